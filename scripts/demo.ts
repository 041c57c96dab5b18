/**
 * `npm run demo`: swarm end to end on one machine, no network, nothing to configure. Starts a local chain, the
 * contracts, the development OIDC issuer, the development Sigstore and the gateway; plays seller, buyer, runner,
 * verifier, keeper and arbiter through three steps, two refused replays and a dispute; prints the story; writes
 * every artifact to one folder (`--out DIR`, default demo-output/); stops everything it started, also when
 * interrupted. Exit 0 on success, 1 on failure, 2 on a usage error, 130/143 when interrupted.
 */
import { DEMO_USAGE, DemoUsageError, parseDemoArgs } from "./demo/args";
import { signalChildren } from "./demo/children";
import { Cleanup } from "./demo/cleanup";
import { endTheDemo } from "./demo/ending";
import { runDemo } from "./demo/flow";
import { describe, onInterrupt } from "./demo/interrupt";
import { type OutputLayout, prepareOutputDir } from "./demo/outputDir";
import { Story } from "./demo/story";
import { newSummary } from "./demo/summary";

/** The demo gives up (and cleans up) if it has not finished by then; it takes well under a minute here. */
const DEMO_DEADLINE_MS = 150_000;

/** Rejects when `work` has not settled within `ms`. */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the demo did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Runs the demo; resolves to the exit code (an interruption exits from its handler instead). */
async function main(): Promise<number> {
  let args;
  try {
    args = parseDemoArgs(process.argv.slice(2), process.cwd());
  } catch (err) {
    if (!(err instanceof DemoUsageError)) throw err;
    process.stderr.write(`demo: ${err.message}\n\n${DEMO_USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${DEMO_USAGE}\n`);
    return 0;
  }

  const startedMs = performance.now();
  // A reader that goes away (`npm run demo | head`) must not end the demo early: the story still goes to story.txt.
  let stdoutOpen = true;
  process.stdout.on("error", () => void (stdoutOpen = false));
  process.stderr.on("error", () => undefined);
  const story = new Story((line) => void (stdoutOpen && process.stdout.write(`${line}\n`)));
  const summary = newSummary(new Date());
  const cleanup = new Cleanup();
  let out: OutputLayout | undefined;
  let ending: Promise<void> | undefined;
  /** Ends the demo once; the flow's own story is silenced first, so nothing it still prints interleaves. */
  const end = (failure: string | undefined) =>
    (ending ??= endTheDemo({ story: story.handOver(), cleanup, summary, out, startedMs, failure }));

  let interrupted = false;
  const removeHandlers = onInterrupt(
    async (reason) => {
      interrupted = true;
      summary.error = { message: reason };
      await end(reason);
    },
    (code) => process.exit(code),
  );

  let failure: unknown;
  try {
    out = await prepareOutputDir(args.out);
    story.title("swarm demo: proof-backed execution entitlements, end to end on this machine");
    story.plain(`output folder: ${out.root}`);
    await withDeadline(runDemo({ out, cleanup, story, summary }), DEMO_DEADLINE_MS);
    summary.ok = !interrupted;
  } catch (err) {
    failure = err;
    if (!interrupted) {
      const code = (err as { code?: unknown }).code;
      summary.error = { message: describe(err), ...(typeof code === "string" ? { code } : {}) };
    }
  }
  await end(failure === undefined ? undefined : describe(failure));
  if (interrupted) return new Promise(() => undefined); // the interrupt handler exits
  removeHandlers();
  if (failure === undefined) return 0;
  process.stderr.write(`\ndemo failed: ${describe(failure)}\n`);
  if (failure instanceof Error && failure.cause !== undefined) {
    process.stderr.write(`  cause: ${describe(failure.cause)}\n`);
  }
  return 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${describe(err)}\n`);
    signalChildren("SIGKILL");
    process.exit(1);
  },
);
