import { type Address, type Hex, hashTypedData } from "viem";

import { type StepPermit, marketDomain, stepPermitTypes } from "../protocol/eip712";
import { parseStepPermitJson, permitSignatureJson } from "../protocol/stepPermitJson";
import { RunnerErrorCode, runnerFail } from "./errors";

/** Parses a permit and its signature as handed to the runner (a session answer or a workflow input), strictly. */
export function parsePermitJson(permit: unknown, signature: unknown): { permit: StepPermit; signature: Hex } {
  let parsed: StepPermit;
  try {
    parsed = parseStepPermitJson(permit);
  } catch (err) {
    return runnerFail(RunnerErrorCode.PERMIT_MALFORMED, "expected a StepPermit in JSON form", err);
  }
  if (!permitSignatureJson.safeParse(signature).success) {
    runnerFail(RunnerErrorCode.PERMIT_MALFORMED, "expected the permit signature as lowercase hex");
  }
  return { permit: parsed, signature: signature as Hex };
}

/** The permit's EIP-712 digest in the market's domain: the `permitDigest` of headers and the certificate. */
export function permitDigestOf(permit: StepPermit, chainId: bigint, market: Address): Hex {
  return hashTypedData({
    domain: marketDomain(chainId, market),
    types: stepPermitTypes,
    primaryType: "StepPermit",
    message: permit,
  });
}

/** What a runner knows about itself, to check a permit handed to it. */
export interface PermitExpectation {
  readonly entitlementId: bigint;
  /** RFC 7638 thumbprint of the runner's worker key. */
  readonly workerKey: Hex;
  readonly runId: bigint;
  readonly runAttempt: number;
}

/**
 * Refuses a permit this runner cannot use: another entitlement, another worker key, another run (an unbound
 * permit, runId 0, fits any run), fromStep not below step. The gateway checks all of it again.
 */
export function verifyPermitForRunner(permit: StepPermit, expected: PermitExpectation): void {
  if (permit.entitlementId !== expected.entitlementId) {
    runnerFail(RunnerErrorCode.PERMIT_MISMATCH, `expected entitlement ${expected.entitlementId}`);
  }
  if (permit.workerKey.toLowerCase() !== expected.workerKey.toLowerCase()) {
    runnerFail(RunnerErrorCode.PERMIT_MISMATCH, "expected a permit bound to this runner's worker key");
  }
  verifyPermitRun(permit, expected);
  if (permit.step < 1 || permit.fromStep >= permit.step) {
    runnerFail(RunnerErrorCode.PERMIT_MISMATCH, "expected 0 <= fromStep < step");
  }
}

/** Refuses a permit bound to another run (runId 0 fits any run; runAttempt 0 any attempt of the bound run). */
export function verifyPermitRun(
  permit: StepPermit,
  run: { readonly runId: bigint; readonly runAttempt: number },
): void {
  const attemptOk = permit.runAttempt === 0 || permit.runAttempt === run.runAttempt;
  if (permit.runId !== 0n && (permit.runId !== run.runId || !attemptOk)) {
    runnerFail(RunnerErrorCode.PERMIT_MISMATCH, `expected a permit for run ${run.runId}/${run.runAttempt}`);
  }
}
