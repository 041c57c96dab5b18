/** `swarm sessions list`: the runner sessions waiting on an entitlement, as the gateway lists them (checked). */
import type { Command } from "commander";

import { type RunnerSession, listSessions } from "../../buyer";
import { parseId } from "../args";
import { contextOf } from "../context";

/** One line per session, for humans. */
export function sessionLine(s: RunnerSession): string {
  const state = s.hasPermit ? "permit attached" : "waiting";
  return `${s.id}\t${state}\t${s.repository} run ${s.runId} attempt ${s.runAttempt}\tworker ${s.workerKey}\texpires ${s.expiresAt.toISOString()}`;
}

/** Registers `swarm sessions …`. */
export function registerSessionsCommands(program: Command): void {
  const sessions = program.command("sessions").description("buyer: runner sessions waiting on an entitlement");
  sessions
    .command("list")
    .description("list the runner sessions of an entitlement (oldest first)")
    .argument("<entitlementId>", "the entitlement's id")
    .option("--waiting", "only sessions still waiting for a permit")
    .addHelpText("after", "\nExamples:\n  $ swarm sessions list 1\n  $ swarm sessions list 1 --waiting --json")
    .action(async (entitlementId: string, opts: { waiting?: boolean }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const all = await listSessions(ctx.gateway(), parseId(entitlementId, "entitlementId"));
      const shown = opts.waiting === true ? all.filter((s) => !s.hasPermit) : all;
      ctx.out.result({ sessions: shown }, shown.length === 0 ? ["no sessions"] : shown.map(sessionLine));
    });
}
