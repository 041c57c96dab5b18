import type { Hex } from "viem";

import type { GatewayClient, PolicyReference } from "../gateway/client";
import { type ReleasedCaps, decryptCaps } from "../protocol/caps";
import type { Clock } from "../protocol/clock";
import type { StepPermit } from "../protocol/eip712";
import type { WorkerKeyPair } from "../protocol/keys";
import { RunnerErrorCode, runnerFail } from "./errors";
import type { IdTokenSource } from "./idToken";
import { type Backoff, DEFAULT_BACKOFF, type Sleep, isTransient, retryTransient } from "./retry";

/** What asking for caps needs. */
export interface RequestCapsOptions {
  readonly gateway: GatewayClient;
  readonly idToken: IdTokenSource;
  readonly permit: StepPermit;
  readonly signature: Hex;
  /** The permit's EIP-712 digest (`permitDigestOf`): the caps JWE's header must carry it. */
  readonly permitDigest: Hex;
  readonly worker: WorkerKeyPair;
  readonly policy: PolicyReference;
  readonly clock: Clock;
  readonly sleep: Sleep;
  /** Stop retrying once this instant has passed. */
  readonly deadline: Date;
  readonly backoff?: Backoff;
  /** Most attempts in all, default 8. */
  readonly maxAttempts?: number;
}

/** Released caps and where they came from. */
export interface ObtainedCaps {
  readonly caps: ReleasedCaps;
  readonly txHash: Hex;
  readonly receiptSeq: string;
  readonly redelivery: boolean;
}

/**
 * `POST /v1/caps` with a fresh OIDC token on every attempt (the gateway refuses a token whose jti it has seen),
 * retrying unreachable, overloaded or timed-out answers with backoff: once the permit is consumed, the gateway's
 * re-delivery path answers a retry with the same caps, so a lost answer costs nothing. The JWE is decrypted with
 * the worker key and checked against this permit (`decryptCaps`).
 */
export async function requestCaps(options: RequestCapsOptions): Promise<ObtainedCaps> {
  let answer: { jwe: string; txHash: Hex; receiptSeq: string; redelivery: boolean };
  try {
    answer = await retryTransient(
      async () =>
        options.gateway.releaseCaps(await options.idToken(), {
          permit: options.permit,
          signature: options.signature,
          workerKey: options.worker.publicJwk,
          policy: options.policy,
        }),
      {
        clock: options.clock,
        sleep: options.sleep,
        deadline: options.deadline,
        backoff: options.backoff ?? DEFAULT_BACKOFF,
        maxAttempts: options.maxAttempts ?? 8,
      },
    );
  } catch (err) {
    // A refusal keeps the gateway's own code; only running out of retries becomes CAPS_REQUEST_FAILED.
    if (!isTransient(err)) throw err;
    runnerFail(RunnerErrorCode.CAPS_REQUEST_FAILED, "the gateway did not release caps before the deadline", err);
  }
  const caps = await decryptCaps(answer.jwe, options.worker.privateKey, {
    entitlementId: options.permit.entitlementId,
    step: options.permit.step,
    permitDigest: options.permitDigest,
    clock: options.clock,
  });
  return { caps, txHash: answer.txHash, receiptSeq: answer.receiptSeq, redelivery: answer.redelivery };
}
