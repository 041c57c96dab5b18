import type { Hex } from "viem";

import type { GatewayClient, GatewaySession, PolicyReference } from "../gateway/client";
import type { Clock } from "../protocol/clock";
import type { StepPermit } from "../protocol/eip712";
import { type WorkerKeyPair, jwkThumbprint } from "../protocol/keys";
import { RunnerErrorCode, runnerFail } from "./errors";
import type { IdTokenSource } from "./idToken";
import { type PermitExpectation, parsePermitJson, verifyPermitForRunner } from "./permit";
import { type Backoff, DEFAULT_BACKOFF, type Sleep, backoffDelay, isTransient, remainingMs } from "./retry";

/** What opening a session needs: the gateway, a token source, the entitlement, the worker key, the policy. */
export interface OpenSessionOptions {
  readonly gateway: GatewayClient;
  readonly idToken: IdTokenSource;
  readonly entitlementId: bigint;
  readonly worker: WorkerKeyPair;
  readonly policy: PolicyReference;
}

/**
 * Registers this run and its worker key with the gateway (`POST /v1/sessions`, with a fresh OIDC token), and
 * refuses an answer that is not about this entitlement and key.
 */
export async function openRunnerSession(options: OpenSessionOptions): Promise<GatewaySession> {
  const session = await options.gateway.openSession(await options.idToken(), {
    entitlementId: options.entitlementId,
    workerKey: options.worker.publicJwk,
    policy: options.policy,
  });
  const workerKey = jwkThumbprint(options.worker.publicJwk);
  if (session.entitlementId !== options.entitlementId.toString() || session.workerKey !== workerKey) {
    runnerFail(RunnerErrorCode.SESSION_MISMATCH, "expected a session for this entitlement and worker key");
  }
  return session;
}

/** What waiting for a permit needs. */
export interface WaitForPermitOptions {
  readonly gateway: GatewayClient;
  readonly sessionId: string;
  /** The permit must be for this entitlement, worker key and run. */
  readonly expected: PermitExpectation;
  readonly clock: Clock;
  readonly sleep: Sleep;
  /** Give up (PERMIT_WAIT_TIMEOUT) once this instant has passed. */
  readonly deadline: Date;
  readonly backoff?: Backoff;
}

/**
 * Polls the session until the buyer attaches a permit, backing off between polls (and on transient gateway
 * failures), until `deadline`. The permit is parsed strictly and checked against this runner before it is used.
 */
export async function waitForPermit(options: WaitForPermitOptions): Promise<{ permit: StepPermit; signature: Hex }> {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  for (let attempt = 0; ; attempt++) {
    let answer: { permit: unknown; signature: Hex } | undefined;
    try {
      answer = await options.gateway.sessionPermit(options.sessionId);
    } catch (err) {
      if (!isTransient(err)) throw err;
    }
    if (answer !== undefined) {
      const parsed = parsePermitJson(answer.permit, answer.signature);
      verifyPermitForRunner(parsed.permit, options.expected);
      return parsed;
    }
    const delay = backoffDelay(attempt, backoff);
    const left = remainingMs(options.clock, options.deadline);
    if (left <= 0) runnerFail(RunnerErrorCode.PERMIT_WAIT_TIMEOUT, "no permit was attached before the deadline");
    await options.sleep(Math.min(delay, left));
  }
}
