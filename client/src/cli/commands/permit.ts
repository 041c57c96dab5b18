/**
 * `swarm permit sign`: the buyer answers a waiting runner session with a bound StepPermit (attached through the
 * gateway), or signs one for a session into a file without attaching it.
 */
import { writeFileSync } from "node:fs";

import type { Command } from "commander";

import {
  type PermitChoices,
  type RunnerExpectation,
  type RunnerSession,
  bindPermit,
  buildStepPermit,
  getEntitlement,
  listSessions,
  signStepPermit,
  verifyPermitSigner,
  verifyRunnerIdentity,
} from "../../buyer";
import { readChainId, readOffer } from "../../chain/read";
import { epochSeconds } from "../../protocol/clock";
import { marketDomain, stepPermitToJson } from "../../protocol/eip712";
import { parseStepPermitJson, permitSignatureJson } from "../../protocol/stepPermitJson";
import { fromViemAccount } from "../../signer";
import { parseCount, parseId, readFileBytes } from "../args";
import { type CliContext, contextOf } from "../context";
import { CliError, usageError } from "../errors";
import { ExitCode } from "../exitCodes";

interface SignOptions {
  session?: string;
  wait: string;
  lifetime: string;
  fromStep?: string;
  unbound?: boolean;
  capsule?: string;
  runId?: string;
  runAttempt?: string;
  repository?: string;
  out?: string;
}

/** The session to answer: the named one, or the oldest still waiting (polling up to `waitSeconds`). */
async function pickSession(
  ctx: CliContext,
  entitlementId: bigint,
  id: string | undefined,
  waitSeconds: number,
): Promise<RunnerSession> {
  const gateway = ctx.gateway();
  const until = ctx.clock().getTime() + waitSeconds * 1000;
  for (let announced = false; ;) {
    const sessions = await listSessions(gateway, entitlementId);
    const found = id === undefined ? sessions.find((s) => !s.hasPermit) : sessions.find((s) => s.id === id);
    if (found !== undefined) {
      if (found.hasPermit) throw usageError("SESSION_ANSWERED", `session ${found.id} already has a permit`);
      return found;
    }
    if (ctx.clock().getTime() >= until) {
      throw new CliError(
        "SESSION_NOT_FOUND",
        id === undefined
          ? `no runner session of ${entitlementId} is waiting for a permit`
          : `no session ${id} for ${entitlementId}`,
        ExitCode.UNAVAILABLE,
        "start the runner (`swarm run step`) first, or pass --wait SECONDS",
      );
    }
    if (!announced) ctx.out.progress(`waiting for a runner session of entitlement ${entitlementId}`);
    announced = true;
    await ctx.runtime.sleep(Math.min(500, Math.max(1, until - ctx.clock().getTime())));
  }
}

function expectationOf(ctx: CliContext, opts: SignOptions): RunnerExpectation | undefined {
  const e: RunnerExpectation = {
    ...(opts.capsule === undefined ? {} : { capsule: readFileBytes(ctx.resolvePath(opts.capsule), "capsule") }),
    ...(opts.runId === undefined ? {} : { runId: parseId(opts.runId, "--run-id") }),
    ...(opts.runAttempt === undefined ? {} : { runAttempt: parseCount(opts.runAttempt, "--run-attempt", { min: 1 }) }),
    ...(opts.repository === undefined ? {} : { repository: opts.repository }),
  };
  return Object.keys(e).length === 0 ? undefined : e;
}

/** Signs a permit for `session` without attaching it (the `--out` mode). */
async function signToFile(
  ctx: CliContext,
  session: RunnerSession,
  choices: PermitChoices,
  expect: RunnerExpectation | undefined,
) {
  const reader = ctx.marketReader();
  const signer = fromViemAccount(ctx.account());
  const entitlement = await getEntitlement(reader, session.entitlementId);
  const [offer, chainId] = await Promise.all([readOffer(reader, entitlement.offerId), readChainId(reader)]);
  verifyPermitSigner(signer.address, entitlement);
  if (expect !== undefined)
    verifyRunnerIdentity(session, expect, { offer, chainId: BigInt(chainId), market: reader.market });
  const permit = buildStepPermit(session, entitlement, offer, choices, epochSeconds(ctx.clock));
  const { signature, digest } = await signStepPermit(signer, marketDomain(chainId, reader.market), permit);
  return { permit, signature, digest };
}

/** Reads a permit file written by `swarm permit sign --out` (or any `{permit, signature}` JSON). */
function readPermitFile(ctx: CliContext, file: string) {
  let doc: { permit?: unknown; signature?: unknown };
  try {
    doc = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(readFileBytes(ctx.resolvePath(file), "permit")),
    ) as typeof doc;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw usageError("PERMIT_MALFORMED", `${file}: expected JSON`);
  }
  const signature = permitSignatureJson.safeParse(doc?.signature);
  if (!signature.success) throw usageError("PERMIT_MALFORMED", `${file}: expected a lowercase hex signature`);
  return { permit: parseStepPermitJson(doc.permit), signature: signature.data as `0x${string}` };
}

function registerAttach(permit: Command): void {
  permit
    .command("attach")
    .description(
      "attach a permit signed earlier (`permit sign --out`) to a runner session; the gateway checks it first",
    )
    .argument("<sessionId>", "the runner session")
    .requiredOption("--file <file>", "the permit file ({permit, signature})")
    .addHelpText("after", "\nExample:\n  $ swarm permit attach 3f2a… --file permit.json")
    .action(async (sessionId: string, opts: { file: string }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const { permit: p, signature } = readPermitFile(ctx, opts.file);
      const session = await ctx.gateway().attachPermit(sessionId, p, signature);
      ctx.out.result({ session: session.id, step: p.step, hasPermit: session.hasPermit }, [
        `permit for step ${p.step} of ${p.entitlementId} attached to session ${session.id}`,
      ]);
    });
}

/** Registers `swarm permit …`. */
export function registerPermitCommands(program: Command): void {
  const permit = program.command("permit").description("buyer: sign step permits for runner sessions");
  registerAttach(permit);
  permit
    .command("sign")
    .description("answer a waiting runner session with a permit for the next step, bound to its run and worker key")
    .argument("<entitlementId>", "the entitlement's id")
    .option("--session <id>", "the session to answer (default: the oldest waiting one)")
    .option("--wait <seconds>", "wait this long for a session to appear", "0")
    .option("--lifetime <seconds>", "the permit's deadline, from now", "900")
    .option("--from-step <n>", "the step this one continues from (default: the last consumed)")
    .option("--unbound", "bind to no run (only if the offer allows unbound runs)")
    .option("--capsule <file>", "check the runner against this capsule (must be the offer's) before signing")
    .option("--run-id <id>", "check the session is this GitHub run")
    .option("--run-attempt <n>", "check the session is this run attempt")
    .option("--repository <owner/name>", "check the session's repository")
    .option("--out <file>", "write {permit, signature, digest} to this file instead of attaching it")
    .addHelpText(
      "after",
      `
Examples:
  $ swarm permit sign 1 --wait 300 --capsule policy.json --run-id 8123456789
  $ swarm permit sign 1 --session 3f2a… --out permit.json`,
    )
    .action(async (entitlementId: string, opts: SignOptions, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const id = parseId(entitlementId, "entitlementId");
      const lifetime = parseCount(opts.lifetime, "--lifetime", { min: 1 });
      const choices: PermitChoices = {
        deadline: BigInt(epochSeconds(ctx.clock) + lifetime),
        ...(opts.fromStep === undefined ? {} : { fromStep: parseCount(opts.fromStep, "--from-step") }),
        runBinding: opts.unbound === true ? "unbound" : "session",
      };
      const expect = expectationOf(ctx, opts);
      const account = ctx.account();
      const session = await pickSession(ctx, id, opts.session, parseCount(opts.wait, "--wait"));
      if (opts.out !== undefined) {
        const signed = await signToFile(ctx, session, choices, expect);
        const doc = {
          session: session.id,
          permit: stepPermitToJson(signed.permit),
          signature: signed.signature,
          digest: signed.digest,
        };
        writeFileSync(ctx.resolvePath(opts.out), `${JSON.stringify(doc, null, 2)}\n`, { flag: "wx", mode: 0o600 });
        ctx.out.result(doc, [
          `permit for step ${signed.permit.step} of ${id} written to ${opts.out}`,
          `digest ${signed.digest}`,
        ]);
        return;
      }
      const bound = await bindPermit(ctx.marketReader(), ctx.gateway(), {
        ...choices,
        session,
        signer: fromViemAccount(account),
        clock: ctx.clock,
        ...(expect === undefined ? {} : { expect }),
      });
      const p = bound.permit;
      ctx.out.result(
        { session: session.id, permit: stepPermitToJson(p), signature: bound.signature, digest: bound.digest },
        {
          session: session.id,
          step: `${p.step} (from ${p.fromStep})`,
          run: p.runId === 0n ? "any (unbound)" : `${p.runId} attempt ${p.runAttempt}`,
          workerKey: p.workerKey,
          deadline: new Date(Number(p.deadline) * 1000).toISOString(),
          digest: bound.digest,
        },
      );
    });
}
