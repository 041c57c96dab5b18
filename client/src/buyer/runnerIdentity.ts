import type { Address } from "viem";

import type { Offer } from "../chain/types";
import { ProtocolError } from "../protocol/errors";
import { expectedAudience, parsePolicyCapsule, verifyPolicyAudience } from "../protocol/policy";
import { BuyerErrorCode } from "./errors";
import type { RunnerSession } from "./sessions";

/**
 * What the buyer expects of the runner before signing a permit bound to it. The gateway has already checked the
 * runner's token against the capsule; these checks let the buyer rely on its own copy of the capsule and on the
 * run it triggered, not on the gateway's word alone.
 */
export interface RunnerExpectation {
  /** The capsule's JCS bytes: must be the offer's, for this market and gateway; the session's repository must be its. */
  readonly capsule?: Uint8Array;
  /** The run the buyer triggered (e.g. the id `workflow_dispatch` returned). */
  readonly runId?: bigint;
  readonly runAttempt?: number;
  readonly repository?: string;
}

function mismatch(what: string, expected: string, got: string): never {
  throw new ProtocolError(BuyerErrorCode.SESSION_IDENTITY_MISMATCH, `expected ${what} ${expected}, got ${got}`);
}

/** Refuses a capsule that is not the offer's (hash) or not written for this market and gateway (audience). */
export function verifyCapsuleIsOffers(capsule: Uint8Array, offer: Offer, chainId: bigint, market: Address) {
  const parsed = parsePolicyCapsule(capsule);
  if (parsed.policyHash !== offer.terms.policyHash.toLowerCase()) {
    throw new ProtocolError(
      BuyerErrorCode.POLICY_HASH_MISMATCH,
      `expected the offer's policy ${offer.terms.policyHash}, got a capsule hashing to ${parsed.policyHash}`,
    );
  }
  verifyPolicyAudience(parsed.capsule, expectedAudience(chainId, market, offer.terms.gateway));
  return parsed.capsule;
}

/** Checks a session's runner against the buyer's expectation (`SESSION_IDENTITY_MISMATCH`, `POLICY_HASH_MISMATCH`). */
export function verifyRunnerIdentity(
  session: RunnerSession,
  expected: RunnerExpectation,
  context: { offer: Offer; chainId: bigint; market: Address },
): void {
  if (expected.capsule !== undefined) {
    const capsule = verifyCapsuleIsOffers(expected.capsule, context.offer, context.chainId, context.market);
    if (session.repository !== capsule.identity.repository) {
      mismatch("the capsule's repository", capsule.identity.repository, session.repository);
    }
  }
  if (expected.repository !== undefined && session.repository !== expected.repository) {
    mismatch("repository", expected.repository, session.repository);
  }
  if (expected.runId !== undefined && session.runId !== expected.runId) {
    mismatch("run", expected.runId.toString(), session.runId.toString());
  }
  if (expected.runAttempt !== undefined && session.runAttempt !== expected.runAttempt) {
    mismatch("run attempt", expected.runAttempt.toString(), session.runAttempt.toString());
  }
}
