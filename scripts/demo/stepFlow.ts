import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { Hex } from "viem";

import { type StepAttestation, stepPermitToJson } from "../../client/src/protocol/eip712";
import { jwkThumbprint } from "../../client/src/protocol/keys";
import { answerRunner } from "./buyer";
import { claimStep } from "./keeper";
import type { OutputLayout } from "./outputDir";
import type { DemoRoles } from "./roles";
import { type RunnerContext, type RunnerJob, type RunnerStepOutcome, finishRunnerStep, startRunnerJob } from "./runner";
import { timed } from "./services";
import { type Story, fmt } from "./story";
import { type DemoSummary, type StepSummary, recordTx } from "./summary";
import { type VerifierContext, signStepAttestation, verifyStepEvidence } from "./verifier";

/** What playing a step needs. */
export interface StepFlowContext {
  readonly runner: RunnerContext;
  readonly verifier: VerifierContext;
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
 * caps (the gateway consumes the permit on-chain first), runs the step and attests its certificate; the
 * verifier checks the evidence and signs a StepAttestation; the keeper claims the step with it.
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

  const verified = await timed(async () => {
    const v = await verifyStepEvidence(ctx.verifier, outcome.permit, ["Consumed"]);
    const sig = await signStepAttestation(roles.verifier, ctx.verifier.chainId, ctx.verifier.reader, v.attestation);
    return { ...v, signature: sig };
  });
  story.say("verifier", `checked: ${verified.value.checks.join(", ")}`, { ms: verified.ms });
  story.detail(`all passed → StepAttestation signed by verifier ${roles.verifier.address}`);

  const claim = await timed(() =>
    claimStep(roles.keeper, outcome.permit, verified.value.attestation, [verified.value.signature]),
  );
  recordTx(ctx.summary, {
    action: `claim step ${step}`,
    actor: "keeper",
    txHash: claim.value.txHash,
    gas: claim.value.gas,
  });
  story.say("keeper", `claim(permit, attestation, [signature]) → step ${step} Claimed`, {
    gas: claim.value.gas,
    ms: claim.ms,
  });
  story.detail(`claim tx ${claim.value.txHash}`);

  await writeJson(path.join(ctx.out.permits, `step-${step}.json`), {
    permit: stepPermitToJson(outcome.permit),
    signature: outcome.signature,
    digest: outcome.permitDigest,
    consumeTx: outcome.consumeTx,
  });
  await writeJson(path.join(ctx.out.attestations, `step-${step}.json`), {
    attestation: {
      ...verified.value.attestation,
      entitlementId: verified.value.attestation.entitlementId.toString(),
      step: verified.value.attestation.step.toString(),
    },
    signatures: [verified.value.signature],
    verifier: roles.verifier.address.toLowerCase(),
    claimTx: claim.value.txHash,
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
    claimTx: claim.value.txHash,
    claimGas: claim.value.gas.toString(),
    ms: roundAll({ ...outcome.ms, verify: verified.ms, claim: claim.ms, total }),
  };
  ctx.summary.steps.push(record);
  return { job, outcome, attestation: verified.value.attestation, signature: verified.value.signature, record };
}
