import type { Address, Hex } from "viem";

import { SIGSTORE_AUDIENCE } from "../../client/src/attest";
import type { GatewayClient, GatewaySession } from "../../client/src/gateway/client";
import type { ReleasedCaps } from "../../client/src/protocol/caps";
import type { Clock } from "../../client/src/protocol/clock";
import type { StepPermit } from "../../client/src/protocol/eip712";
import { type WorkerKeyPair, generateWorkerKeyPair, jwkThumbprint } from "../../client/src/protocol/keys";
import {
  type IdTokenSource,
  type StepResult,
  evidenceFolder,
  idTokenSourceFromEnv,
  openRunnerSession,
  permitDigestOf,
  realSleep,
  requestCaps,
  runIdentityFromToken,
  runStep,
  waitForPermit,
} from "../../client/src/runner";
import type { DevOidcIssuer } from "../../devnet/oidc";
import type { DevSigstore } from "../../devnet/sigstore";
import { DEV_COMMIT } from "../../devnet/stack";
import { type AttestationTrust, sigstoreAttester, verifyStepAttestation } from "./attestation";
import type { DemoOffer } from "./seller";
import { wordChainCommand } from "./workload";

/** What every runner job of the demo shares. */
export interface RunnerContext {
  readonly issuer: DevOidcIssuer;
  readonly sigstore: DevSigstore;
  readonly gateway: GatewayClient;
  readonly market: { readonly chainId: bigint; readonly address: Address };
  readonly offer: DemoOffer;
  readonly entitlementId: bigint;
  readonly evidenceDir: string;
  readonly workDir: string;
  readonly trust: AttestationTrust;
  readonly clock: Clock;
}

/** A GitHub Actions job as the runner sees it: its token sources, its ephemeral worker key and its session. */
export interface RunnerJob {
  readonly runId: bigint;
  /** Tokens for the gateway (audience `swarm:<chainId>:<market>:<gateway>`), fetched as GitHub's runner does. */
  readonly idToken: IdTokenSource;
  /** Tokens for Fulcio (audience `sigstore`), from the same run. */
  readonly sigstoreToken: IdTokenSource;
  readonly worker: WorkerKeyPair;
  readonly session: GatewaySession;
}

/** A finished step as the runner reports it. */
export interface RunnerStepOutcome {
  readonly permit: StepPermit;
  readonly signature: Hex;
  readonly permitDigest: Hex;
  readonly caps: ReleasedCaps;
  /** The gateway's consume transaction and its `released` receipt. */
  readonly consumeTx: Hex;
  readonly receiptSeq: string;
  readonly step: StepResult;
  readonly ms: { readonly permitWait: number; readonly caps: number; readonly run: number };
}

/** Polling of the session while the buyer answers: quick, since everything is local. */
const PERMIT_BACKOFF = { initialMs: 25, maxMs: 250, factor: 2 };
/** How long a runner waits for its permit or its caps. */
const WAIT_MS = 60_000;

/**
 * GitHub starts a job (the development issuer registers the run and hands out the two variables GitHub sets with
 * `id-token: write`); the runner reads them, makes an ephemeral X25519 worker key and opens a session.
 */
export async function startRunnerJob(
  ctx: RunnerContext,
  runId: bigint,
  /** The commit the job's workflow runs at (default: the offer's); the end-to-end tests try another. */
  workflowCommit: string = DEV_COMMIT,
): Promise<RunnerJob> {
  const credentials = ctx.issuer.registerRun({
    runId: runId.toString(),
    jobWorkflowSha: workflowCommit,
    sha: workflowCommit,
  });
  const env = {
    ACTIONS_ID_TOKEN_REQUEST_URL: credentials.requestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: credentials.requestToken,
  };
  const idToken = idTokenSourceFromEnv(env, { audience: ctx.offer.capsule.identity.audience, fetch });
  const sigstoreToken = idTokenSourceFromEnv(env, { audience: SIGSTORE_AUDIENCE, fetch });
  const worker = generateWorkerKeyPair();
  const session = await openRunnerSession({
    gateway: ctx.gateway,
    idToken,
    entitlementId: ctx.entitlementId,
    worker,
    policy: { capsule: Buffer.from(ctx.offer.capsuleBytes).toString("base64url") },
  });
  return { runId, idToken, sigstoreToken, worker, session };
}

/**
 * The rest of the job: wait for the buyer's permit, get the caps (the gateway consumes the permit on-chain
 * first), then run the step, which checks its input against the fromStep certificate and its attestation before
 * decrypting it, runs the command, seals the outputs, and attests certificate.json with the development Sigstore.
 */
export async function finishRunnerStep(ctx: RunnerContext, job: RunnerJob): Promise<RunnerStepOutcome> {
  const deadline = () => new Date(ctx.clock().getTime() + WAIT_MS);
  let mark = performance.now();
  const lap = () => {
    const now = performance.now();
    const ms = now - mark;
    mark = now;
    return ms;
  };
  const { permit, signature } = await waitForPermit({
    gateway: ctx.gateway,
    sessionId: job.session.id,
    expected: {
      entitlementId: ctx.entitlementId,
      workerKey: jwkThumbprint(job.worker.publicJwk),
      runId: job.runId,
      runAttempt: 1,
    },
    clock: ctx.clock,
    sleep: realSleep,
    deadline: deadline(),
    backoff: PERMIT_BACKOFF,
  });
  const permitWait = lap();
  const permitDigest = permitDigestOf(permit, ctx.market.chainId, ctx.market.address);
  const policy = { capsule: Buffer.from(ctx.offer.capsuleBytes).toString("base64url") };
  const obtained = await requestCaps({
    gateway: ctx.gateway,
    idToken: job.idToken,
    permit,
    signature,
    permitDigest,
    worker: job.worker,
    policy,
    clock: ctx.clock,
    sleep: realSleep,
    deadline: deadline(),
  });
  const caps = lap();
  const step = await runStep({
    permit,
    permitDigest,
    caps: obtained.caps,
    market: ctx.market,
    offerId: ctx.offer.offerId,
    run: runIdentityFromToken(await job.idToken()),
    policy: ctx.offer.capsuleBytes,
    command: wordChainCommand(),
    input: evidenceFolder(ctx.evidenceDir),
    evidenceDir: ctx.evidenceDir,
    workDir: ctx.workDir,
    attest: sigstoreAttester(
      { fulcioUrl: ctx.sigstore.fulcioUrl, rekorUrl: ctx.sigstore.rekorUrl, tsaUrl: ctx.sigstore.tsaUrl },
      job.sigstoreToken,
    ),
    verifyInputCertificate: async (bytes, bundle) => void verifyStepAttestation(bytes, bundle, ctx.trust),
    clock: ctx.clock,
  });
  return {
    permit,
    signature,
    permitDigest,
    caps: obtained.caps,
    consumeTx: obtained.txHash,
    receiptSeq: obtained.receiptSeq,
    step,
    ms: { permitWait, caps, run: lap() },
  };
}
