/**
 * The checks the demo's verifier runs before it signs, each a small function that throws a ProtocolError with
 * the design's verification code. Until `swarm verify` lands (issue 5) these are the whole verification.
 */
import type { Address, Hex } from "viem";

import type { Offer, StepState, StepStatus } from "../../client/src/chain/types";
import { type Certificate, verifyContinuity, verifyGenesisContinuity } from "../../client/src/protocol/certificate";
import type { StepPermit } from "../../client/src/protocol/eip712";
import { ProtocolError } from "../../client/src/protocol/errors";
import { sha256Hex } from "../../client/src/protocol/jcs";

/** The design's verification codes used here. */
export const VerifyCode = {
  PERMIT_MISMATCH: "FAILURE_PERMIT_MISMATCH",
  COMMIT_MISMATCH: "FAILURE_COMMIT_MISMATCH",
  POLICY_MISMATCH: "FAILURE_POLICY_MISMATCH",
  HASH_MISMATCH: "FAILURE_HASH_MISMATCH",
  CONTINUITY_BROKEN: "FAILURE_CONTINUITY_BROKEN",
} as const;

function fail(code: string, message: string, cause?: unknown): never {
  throw new ProtocolError(code, message, cause === undefined ? undefined : { cause });
}

/** The permit is the one the market consumed for its step (digest prefix), and the step is in an expected status. */
export function verifyPermitConsumed(digest: Hex, onChain: StepState, statuses: readonly StepStatus[]): void {
  if (!statuses.includes(onChain.status)) {
    fail(VerifyCode.PERMIT_MISMATCH, `expected the step ${statuses.join(" or ")}, got ${onChain.status}`);
  }
  if (!digest.toLowerCase().startsWith(onChain.permitDigestPrefix.toLowerCase())) {
    fail(VerifyCode.PERMIT_MISMATCH, `expected the consumed permit ${onChain.permitDigestPrefix}…, got ${digest}`);
  }
}

/** The permit names the offer's commit, policy and gateway. */
export function verifyPermitAgainstOffer(permit: StepPermit, offer: Offer): void {
  const t = offer.terms;
  if (permit.commit.toLowerCase() !== t.commit.toLowerCase()) {
    fail(VerifyCode.COMMIT_MISMATCH, `expected the offer's commit ${t.commit}, got ${permit.commit}`);
  }
  if (permit.policyHash.toLowerCase() !== t.policyHash.toLowerCase()) {
    fail(VerifyCode.POLICY_MISMATCH, `expected the offer's policy ${t.policyHash}, got ${permit.policyHash}`);
  }
  if (permit.gateway.toLowerCase() !== t.gateway.toLowerCase()) {
    fail(VerifyCode.PERMIT_MISMATCH, `expected the offer's gateway ${t.gateway}, got ${permit.gateway}`);
  }
}

/** What a certificate must say: this market and offer, and exactly the consumed permit's fields. */
export interface CertificateExpectation {
  readonly chainId: bigint;
  readonly market: Address;
  readonly offerId: bigint;
  readonly permit: StepPermit;
  readonly permitDigest: Hex;
}

/** The certificate's fields against the market, the offer and the consumed permit (commit and policy by code). */
export function verifyCertificateFields(cert: Certificate, expected: CertificateExpectation): void {
  const p = expected.permit;
  if (cert.commit !== p.commit.toLowerCase()) fail(VerifyCode.COMMIT_MISMATCH, `expected commit ${p.commit}`);
  if (cert.policyHash !== p.policyHash.toLowerCase()) fail(VerifyCode.POLICY_MISMATCH, `expected ${p.policyHash}`);
  const checks: [string, string, string][] = [
    ["market.chainId", cert.market.chainId, expected.chainId.toString()],
    ["market.address", cert.market.address, expected.market.toLowerCase()],
    ["offerId", cert.offerId, expected.offerId.toString()],
    ["entitlementId", cert.entitlementId, p.entitlementId.toString()],
    ["step", cert.step, p.step.toString()],
    ["fromStep", cert.fromStep, p.fromStep.toString()],
    ["permitDigest", cert.permitDigest, expected.permitDigest.toLowerCase()],
  ];
  if (p.runId !== 0n) {
    checks.push(["run.runId", cert.run.runId, p.runId.toString()]);
    if (p.runAttempt !== 0) checks.push(["run.runAttempt", cert.run.runAttempt, p.runAttempt.toString()]);
  }
  const wrong = checks.filter(([, got, want]) => got !== want).map(([name]) => name);
  if (wrong.length > 0)
    fail(VerifyCode.PERMIT_MISMATCH, `the certificate differs from the permit in ${wrong.join(", ")}`);
}

/** The step's files are the ones the certificate names (sha256 of each ciphertext's exact bytes). */
export function verifyOutputHashes(
  cert: Certificate,
  files: { state: Uint8Array; result: Uint8Array; nextTokens: Uint8Array },
): void {
  const wrong = [
    ["state.jwe", cert.stateOut, files.state],
    ["result.jwe", cert.result, files.result],
    ["next_tokens.jwe", cert.nextTokens, files.nextTokens],
  ].filter(([, hash, bytes]) => sha256Hex(bytes as Uint8Array) !== hash);
  if (wrong.length > 0) fail(VerifyCode.HASH_MISMATCH, `expected the certificate's hash of ${wrong.map((w) => w[0])}`);
}

/** The step continues its input: the genesis state, or the fromStep certificate the market stored as claimed. */
export function verifyStepContinuity(
  cert: Certificate,
  input:
    | { readonly kind: "genesis"; readonly stateHash: Hex }
    | { readonly kind: "step"; readonly prev: Certificate; readonly prevHash: Hex; readonly claimedHash: Hex },
): void {
  try {
    if (input.kind === "genesis") {
      verifyGenesisContinuity(cert, input.stateHash);
      return;
    }
    if (input.prevHash !== input.claimedHash.toLowerCase()) {
      fail(VerifyCode.CONTINUITY_BROKEN, `expected the fromStep certificate the market holds, ${input.claimedHash}`);
    }
    verifyContinuity(cert, input.prev, input.prevHash);
  } catch (cause) {
    if (cause instanceof ProtocolError && cause.code === VerifyCode.CONTINUITY_BROKEN) throw cause;
    fail(VerifyCode.CONTINUITY_BROKEN, `the certificate does not continue its input: ${String(cause)}`, cause);
  }
}
