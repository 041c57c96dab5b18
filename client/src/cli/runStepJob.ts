/**
 * `swarm run step`, as a checklist. Everything that can be checked before the permit is consumed on-chain is
 * checked first (the capsule is the offer's, this run is built from the offer's commit, no evidence exists for
 * the step, the input is present and verifies), so a refusal releases nothing and costs the buyer nothing; then
 * caps are requested (the gateway consumes the permit), the step runs, and its evidence is written at once.
 */
import { tmpdir } from "node:os";

import { type Hex, getAddress, isAddressEqual } from "viem";

import { SIGSTORE_AUDIENCE, type SigstoreEndpoints, attestCertificate } from "../attest";
import { getEntitlement } from "../buyer";
import { readOffer } from "../chain/read";
import { parsePolicyCapsule } from "../protocol/policy";
import { ProtocolError } from "../protocol/errors";
import { generateWorkerKeyPair, jwkThumbprint } from "../protocol/keys";
import {
  type Attest,
  type InputCertificateVerifier,
  RunnerErrorCode,
  type StepCommand,
  evidenceExists,
  evidenceFolder,
  idTokenSourceFromEnv,
  loadVerifiedInput,
  openRunnerSession,
  permitDigestOf,
  requestCaps,
  runIdentityFromToken,
  runStep,
  waitForPermit,
} from "../runner";
import type { CliContext } from "./context";
import { usageError } from "./errors";
import { verifyStepAttestation } from "./stepAttestation";

/** How the certificate is attested: now, with explicit Sigstore endpoints; or later, by the workflow. */
export type AttestationMode = { kind: "sigstore"; endpoints: SigstoreEndpoints } | { kind: "deferred" };

/** What `swarm run step` was asked to do, parsed. */
export interface RunStepJob {
  readonly entitlementId: bigint;
  readonly capsule: Uint8Array;
  readonly evidenceDir: string;
  readonly workDir?: string;
  readonly waitSeconds: number;
  readonly trustedRoot?: unknown;
  readonly attestation: AttestationMode;
  readonly command: StepCommand;
  readonly maxSeconds?: number;
}

/** Code of a run whose workflow commit is not the offer's. */
export const COMMIT_MISMATCH = "COMMIT_MISMATCH";

function runnerError(code: string, message: string): ProtocolError {
  return new ProtocolError(code, message);
}

/** Runs one step end to end; returns what the CLI prints. */
export async function runStepJob(ctx: CliContext, job: RunStepJob) {
  const { capsule, policyHash } = parsePolicyCapsule(job.capsule);
  const [, chainIdText, marketText, gatewayText] = capsule.identity.audience.split(":");
  const chainId = BigInt(chainIdText!);
  const market = getAddress(marketText!);
  if (ctx.config.market !== undefined && !isAddressEqual(ctx.config.market, market)) {
    throw usageError("CONFIG_CONFLICT", `the capsule is for market ${market}, not ${ctx.config.market}`);
  }
  const reader = { publicClient: ctx.publicClient(), market };
  const entitlement = await getEntitlement(reader, job.entitlementId);
  const offer = await readOffer(reader, entitlement.offerId);
  if (
    offer.terms.policyHash.toLowerCase() !== policyHash ||
    !isAddressEqual(offer.terms.gateway, getAddress(gatewayText!))
  ) {
    throw runnerError(
      RunnerErrorCode.POLICY_MISMATCH,
      `expected the offer's policy ${offer.terms.policyHash}, got ${policyHash}`,
    );
  }

  const env = ctx.runtime.env;
  const idToken = idTokenSourceFromEnv(env, { audience: capsule.identity.audience, fetch: ctx.runtime.fetch });
  const run = runIdentityFromToken(await idToken());
  if (run.jobWorkflowSha.toLowerCase() !== offer.terms.commit.toLowerCase()) {
    throw runnerError(
      COMMIT_MISMATCH,
      `expected the workflow at the offer's commit ${offer.terms.commit}, got ${run.jobWorkflowSha}`,
    );
  }
  const attest: Attest | "deferred" =
    job.attestation.kind === "deferred" ? "deferred" : sigstoreAttester(ctx, job.attestation.endpoints);

  const gateway = ctx.gateway();
  const worker = generateWorkerKeyPair();
  const policy = { capsule: Buffer.from(job.capsule).toString("base64url") };
  const session = await openRunnerSession({ gateway, idToken, entitlementId: job.entitlementId, worker, policy });
  ctx.out.progress(
    `session ${session.id} open for run ${run.runId}/${run.runAttempt}; waiting for the buyer's permit ` +
      `(swarm permit sign ${job.entitlementId} --session ${session.id})`,
  );
  const deadline = () => new Date(ctx.clock().getTime() + job.waitSeconds * 1000);
  const { permit, signature } = await waitForPermit({
    gateway,
    sessionId: session.id,
    expected: {
      entitlementId: job.entitlementId,
      workerKey: jwkThumbprint(worker.publicJwk),
      runId: run.runId,
      runAttempt: run.runAttempt,
    },
    clock: ctx.clock,
    sleep: ctx.runtime.sleep,
    deadline: deadline(),
    backoff: { initialMs: 200, maxMs: 2000, factor: 2 },
  });
  ctx.out.progress(`permit for step ${permit.step} (from ${permit.fromStep}) received; checking the input`);

  if (permit.fromStep > 0 && job.trustedRoot === undefined) {
    throw usageError(
      "TRUSTED_ROOT_MISSING",
      `step ${permit.step} continues from step ${permit.fromStep}, whose attestation must be verified`,
      "pass --trusted-root FILE (the Sigstore trusted root the attestations chain to)",
    );
  }
  const verifyInputCertificate = inputVerifier(job, capsule, offer.terms.commit);
  const evidenceDir = job.evidenceDir;
  if (await evidenceExists(evidenceDir, job.entitlementId, permit.step)) {
    throw runnerError(RunnerErrorCode.EVIDENCE_EXISTS, `evidence for step ${permit.step} already exists`);
  }
  const input = evidenceFolder(evidenceDir);
  const marketRef = { chainId, address: market };
  await loadVerifiedInput(
    input,
    {
      market: marketRef,
      offerId: entitlement.offerId,
      entitlementId: job.entitlementId,
      fromStep: permit.fromStep,
      commit: permit.commit,
      policyHash: permit.policyHash,
    },
    { maxStateBytes: Number(capsule.limits.maxStateBytes), verifyInputCertificate },
  );

  const permitDigest = permitDigestOf(permit, chainId, market);
  const obtained = await requestCaps({
    gateway,
    idToken,
    permit,
    signature,
    permitDigest,
    worker,
    policy,
    clock: ctx.clock,
    sleep: ctx.runtime.sleep,
    deadline: deadline(),
  });
  ctx.out.progress(
    `permit consumed in ${obtained.txHash}; caps released (receipt ${obtained.receiptSeq}); running the step`,
  );
  const step = await runStep({
    permit,
    permitDigest,
    caps: obtained.caps,
    market: marketRef,
    offerId: entitlement.offerId,
    run: runIdentityFromToken(await idToken()),
    policy: job.capsule,
    command: job.command,
    input,
    evidenceDir,
    workDir: job.workDir ?? env.RUNNER_TEMP ?? tmpdir(),
    attest,
    verifyInputCertificate,
    clock: ctx.clock,
    ...(job.maxSeconds === undefined ? {} : { maxSeconds: job.maxSeconds }),
  });
  return {
    entitlementId: job.entitlementId,
    step: permit.step,
    fromStep: permit.fromStep,
    session: session.id,
    permitDigest,
    consumeTx: obtained.txHash,
    receiptSeq: obtained.receiptSeq,
    certificateHash: step.certificateHash,
    evidencePath: step.evidencePath,
    attested: attest !== "deferred",
  };
}

/** The attester over explicit Sigstore endpoints: a fresh `sigstore`-audience token from this run each time. */
function sigstoreAttester(ctx: CliContext, endpoints: SigstoreEndpoints): Attest {
  const token = idTokenSourceFromEnv(ctx.runtime.env, { audience: SIGSTORE_AUDIENCE, fetch: ctx.runtime.fetch });
  return async (certificateBytes) => attestCertificate({ certificateBytes, token: await token(), sigstore: endpoints });
}

/** Verifies a fromStep certificate's attestation against the pinned trusted root; without one, refuses. */
function inputVerifier(
  job: RunStepJob,
  capsule: ReturnType<typeof parsePolicyCapsule>["capsule"],
  commit: Hex,
): InputCertificateVerifier {
  return async (certificateBytes, bundle) => {
    verifyStepAttestation(certificateBytes, bundle, { trustedRoot: job.trustedRoot ?? null, capsule, commit });
  };
}
