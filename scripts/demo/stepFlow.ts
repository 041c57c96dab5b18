import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { Hex } from "viem";

import { type StepAttestation, stepPermitToJson } from "../../client/src/protocol/eip712";
import { jwkThumbprint } from "../../client/src/protocol/keys";
import { stepAttestationToJson } from "../../client/src/verify";
import { answerRunner } from "./buyer";
import type { DemoKeeper } from "./keeperRole";
import type { OutputLayout } from "./outputDir";
import type { DemoRoles } from "./roles";
import { type RunnerContext, type RunnerJob, type RunnerStepOutcome, finishRunnerStep, startRunnerJob } from "./runner";
import { timed } from "./services";
import { type Story, fmt } from "./story";
import { type DemoSummary, type StepSummary, recordTx } from "./summary";
import type { DemoVerifier } from "./verifierService";

/** What playing a step needs. */
export interface StepFlowContext {
  readonly runner: RunnerContext;
  /** The verifier service the keeper asks for signatures (the arbiter re-verifies with its trust). */
  readonly verifier: DemoVerifier;
  /** The running SDK keeper: it claims and finalizes on its own; the flow waits for it. */
  readonly keeper: DemoKeeper;
  readonly roles: DemoRoles;
  readonly story: Story;
  readonly summary: DemoSummary;
  readonly out: OutputLayout;
  /** The development node's JSON-RPC URL (the only chain the demo moves in time). */
  readonly rpcUrl: string;
}

/** A step run, verified and claimed. */
export interface PlayedStep {
  readonly job: RunnerJob;
  readonly outcome: RunnerStepOutcome;
  readonly attestation: StepAttestation;
  readonly signature: Hex;
  readonly record: StepSummary;
}

/** Milliseconds rounded to whole numbers, for the summary. */
function roundAll<K extends string>(ms: Record<K, number>): Record<K, number> {
  return Object.fromEntries(Object.entries<number>(ms).map(([k, v]) => [k, Math.round(v)])) as Record<K, number>;
}

/** Writes a JSON artifact. */
function writeJson(file: string, value: unknown): Promise<void> {
  return writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * One step, all roles: a runner job opens a session; the buyer answers it with a bound permit; the runner gets
 * caps (the gateway consumes the permit on-chain first), runs the step and attests its certificate; the running
 * keeper sees the StepConsumed event, sends the evidence to the verifier service, which verifies it and signs a
 * StepAttestation, and claims the step with it.
 */
export async function playStep(
  ctx: StepFlowContext,
  step: number,
  fromStep: number,
  runId: bigint,
): Promise<PlayedStep> {
  const { story, roles } = ctx;
  const started = performance.now();
  story.section(`step ${step}: continues from ${fromStep === 0 ? "the genesis state" : `step ${fromStep}`}`);

  const job = await startRunnerJob(ctx.runner, runId);
  const workerKey = jwkThumbprint(job.worker.publicJwk);
  story.say("runner", `GitHub job run ${runId} starts; OIDC token fetched as GitHub's runner does`);
  story.detail(`session ${job.session.id} opened with a fresh X25519 worker key ${fmt.hex(workerKey)}`);

  const running = finishRunnerStep(ctx.runner, job);
  running.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
  const bound = await answerRunner(roles, ctx.runner.gateway, {
    entitlementId: ctx.runner.entitlementId,
    runId,
    fromStep,
    offer: ctx.runner.offer,
    clock: ctx.runner.clock,
  });
  story.say("buyer", `permit for step ${step} (fromStep ${fromStep}), bound to run ${runId} and that worker key`);
  story.detail(`EIP-712 digest ${bound.digest}, deadline ${bound.permit.deadline}`);

  const outcome = await running;
  if (outcome.permitDigest !== bound.digest) {
    throw new Error(`the runner used permit ${outcome.permitDigest}, not the one the buyer bound (${bound.digest})`);
  }
  const consumed = await roles.publicClient.getTransactionReceipt({ hash: outcome.consumeTx });
  recordTx(ctx.summary, {
    action: `consume step ${step}`,
    actor: "gateway",
    txHash: outcome.consumeTx,
    gas: consumed.gasUsed,
  });
  story.say("gateway", `token, policy, run and worker key checked; permit consumed on-chain`, {
    gas: consumed.gasUsed,
    ms: outcome.ms.caps,
  });
  story.detail(`consume tx ${outcome.consumeTx} (block ${consumed.blockNumber})`);
  const expires = new Date(Number(outcome.caps.expiresAt) * 1000).toISOString();
  story.detail(
    `caps released, encrypted to the worker key only (kv ${outcome.caps.kv}, until ${expires}); receipt #${outcome.receiptSeq}`,
  );
  const evidence = path.relative(ctx.out.root, outcome.step.evidencePath);
  story.say("runner", `input checked, then decrypted; wordChain.mjs ran; outputs sealed under stateCapOut`, {
    ms: outcome.ms.run,
  });
  story.detail(`certificate ${outcome.step.certificateHash}`);
  story.detail(`attested by the development Sigstore (Fulcio leaf, Rekor entry, TSA timestamp) → ${evidence}/`);

  const claim = await timed(() => ctx.keeper.waitFor("claim", step));
  const { result, quorum } = claim.value;
  if (result.kind !== "sent" || quorum === undefined) throw new Error(`step ${step} was claimed by someone else`);
  const report = ctx.verifier.reportOf(ctx.runner.entitlementId, step);
  const passed = report?.checks.filter((c) => c.status === "passed").map((c) => c.name) ?? [];
  story.say("verifier", `service ${ctx.verifier.url}: ${passed.length} checks passed → valid`);
  story.detail(`checked: ${[...new Set(passed.map((name) => name.split(".")[0]))].join(", ")}`);
  story.detail(
    `StepAttestation signed by verifier ${quorum.signers.join(", ")} (recorded: never a second certificate)`,
  );
  recordTx(ctx.summary, { action: `claim step ${step}`, actor: "keeper", txHash: result.txHash, gas: result.gas });
  story.say("keeper", `claim(permit, attestation, [signature]) → step ${step} Claimed`, {
    gas: result.gas,
    ms: claim.ms,
  });
  story.detail(`claim tx ${result.txHash}`);
  await writeJson(path.join(ctx.out.permits, `step-${step}.json`), {
    permit: stepPermitToJson(outcome.permit),
    signature: outcome.signature,
    digest: outcome.permitDigest,
    consumeTx: outcome.consumeTx,
  });
  await writeJson(path.join(ctx.out.attestations, `step-${step}.json`), {
    attestation: stepAttestationToJson(quorum.attestation),
    signatures: [...quorum.signatures],
    verifiers: quorum.signers.map((v) => v.toLowerCase()),
    claimTx: result.txHash,
  });
  const total = performance.now() - started;
  story.say("", `step ${step} done`, { ms: total });
  const record: StepSummary = {
    step,
    fromStep,
    runId: runId.toString(),
    sessionId: job.session.id,
    workerKey,
    permitDigest: outcome.permitDigest,
    consumeTx: outcome.consumeTx,
    consumeGas: consumed.gasUsed.toString(),
    capsReceiptSeq: outcome.receiptSeq,
    capsExpiresAt: outcome.caps.expiresAt.toString(),
    certificateHash: outcome.step.certificateHash,
    evidence,
    claimTx: result.txHash,
    claimGas: result.gas.toString(),
    ms: roundAll({ ...outcome.ms, claim: claim.ms, total }),
  };
  ctx.summary.steps.push(record);
  return { job, outcome, attestation: quorum.attestation, signature: quorum.signatures[0]!, record };
}
