import { type Address, isAddressEqual, zeroHash } from "viem";

import type { StepPermit } from "../../../client/src/protocol/eip712";
import { GatewayError } from "../errors";

/**
 * The checks that need only the permit, this gateway and the time, in the contract's order. A refusal here
 * costs no chain read.
 */
export function verifyPermitFields(permit: StepPermit, expected: { gateway: Address; now: bigint }): void {
  if (permit.deadline === 0n) throw refuse("PERMIT_ZERO_DEADLINE", "expected a non-zero deadline");
  if (expected.now > permit.deadline) {
    throw refuse("PERMIT_EXPIRED", `expected deadline >= ${expected.now}, got ${permit.deadline}`);
  }
  if (permit.workerKey === zeroHash) throw refuse("PERMIT_ZERO_WORKER_KEY", "expected a non-zero worker key");
  if (permit.runId === 0n && permit.runAttempt !== 0) {
    throw refuse("PERMIT_UNBOUND_ATTEMPT", `expected runAttempt 0 for an unbound run, got ${permit.runAttempt}`);
  }
  if (permit.fromStep >= permit.step) {
    throw refuse("PERMIT_FROM_STEP_INVALID", `expected fromStep < ${permit.step}, got ${permit.fromStep}`);
  }
  if (!isAddressEqual(permit.gateway, expected.gateway)) {
    throw refuse(
      "PERMIT_WRONG_GATEWAY",
      `expected gateway ${expected.gateway.toLowerCase()}, got ${permit.gateway.toLowerCase()}`,
    );
  }
}

function refuse(code: string, message: string): GatewayError {
  return new GatewayError(code, 403, message);
}
