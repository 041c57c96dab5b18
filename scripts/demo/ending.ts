import { writeFile } from "node:fs/promises";

import { childPids, signalChildren } from "./children";
import type { Cleanup } from "./cleanup";
import { type OutputLayout, shownPath } from "./outputDir";
import { type Story, fmt } from "./story";
import { type DemoSummary, writeSummary } from "./summary";

/** Waits up to `ms` for this process's children to be gone; returns how many are left. */
async function childrenGone(ms: number): Promise<number> {
  const deadline = performance.now() + ms;
  while (childPids().length > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return childPids().length;
}

/**
 * The end of every run, success, failure or interruption alike: everything registered is stopped and removed
 * (bounded in time), any child process still alive is killed by its id, and the summary and the story are
 * written. `failure` names what went wrong, if anything.
 */
export async function endTheDemo(input: {
  story: Story;
  cleanup: Cleanup;
  summary: DemoSummary;
  out: OutputLayout | undefined;
  startedMs: number;
  failure: string | undefined;
}): Promise<void> {
  const { story, summary, out } = input;
  story.section(input.failure === undefined ? "teardown" : `stopping: ${input.failure}`);
  const report = await input.cleanup.runAll();
  const stopped = report.done.filter((name) => !name.startsWith("temporary folder"));
  const removed = report.done.length - stopped.length;
  if (stopped.length > 0) story.say("demo", `stopped: ${stopped.join(", ")}`);
  for (const problem of report.failures) story.say("demo", `teardown problem: ${problem}`);
  // The safety net: a child that was still starting when the run ended has no stop registered yet.
  const leftovers = signalChildren("SIGKILL");
  if (leftovers.length > 0) story.say("demo", `killed child process(es) still starting: ${leftovers.join(", ")}`);
  const running = await childrenGone(2_000);
  story.say("demo", `temporary folders removed: ${removed}; child processes still running: ${running}`);
  summary.wallMs = Math.round(performance.now() - input.startedMs);
  if (out === undefined) return;
  if (summary.ok) {
    story.say("demo", `artifacts in ${shownPath(out.root)}/: evidence/, permits/, attestations/, trusted_root.json,`);
    story.detail("verifier-records/, keeper-cursor.json, keeper.log, policy.json, gateway-keys.json, receipts.ndjson,");
    story.detail("gateway.log, anchors.ndjson, witness/, bundle/, pins/, summary.json, story.txt");
  } else {
    story.say("demo", `what was written so far, with summary.json and story.txt: ${shownPath(out.root)}/`);
  }
  story.plain("");
  story.plain(
    summary.ok
      ? `done: ${summary.steps.length} steps settled, ${summary.replays.length} replays refused, ` +
          `1 dispute ruled, in ${fmt.seconds(summary.wallMs)}`
      : `FAILED after ${fmt.seconds(summary.wallMs)}: ${summary.error?.message ?? "unknown failure"}`,
  );
  await writeSummary(out.summary, summary);
  await writeFile(out.story, `${story.lines.join("\n")}\n`);
}
