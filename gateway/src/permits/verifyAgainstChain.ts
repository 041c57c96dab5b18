import { isAddressEqual } from "viem";

import type { StepPermit } from "../../../client/src/protocol/eip712";
import type { EntitlementFacts, OfferFacts } from "../chain/marketReader";
import { GatewayError } from "../errors";

/** Checks a permit against the entitlement's counters and the offer's terms, as consume will on-chain. */
export function verifyPermitAgainstChain(
  permit: StepPermit,
  facts: { entitlement: EntitlementFacts; offer: OfferFacts },
): void {
  const { entitlement, offer } = facts;
  const expectedStep = entitlement.consumed + 1;
  if (permit.step !== expectedStep) {
    throw refuse("PERMIT_STEP_OUT_OF_ORDER", `expected step ${expectedStep}, got ${permit.step}`);
  }
  if (permit.step > entitlement.bought) {
    throw refuse("PERMIT_STEPS_EXHAUSTED", `expected step <= ${entitlement.bought} bought, got ${permit.step}`);
  }
  if (permit.runId === 0n && !offer.allowUnboundRuns) {
    throw refuse("PERMIT_UNBOUND_NOT_ALLOWED", "expected a bound run: the offer forbids runId 0");
  }
  if (permit.commit.toLowerCase() !== offer.commit) {
    throw refuse("PERMIT_COMMIT_MISMATCH", `expected commit ${offer.commit}, got ${permit.commit.toLowerCase()}`);
  }
  if (permit.policyHash.toLowerCase() !== offer.policyHash) {
    throw refuse(
      "PERMIT_POLICY_MISMATCH",
      `expected policy ${offer.policyHash}, got ${permit.policyHash.toLowerCase()}`,
    );
  }
  if (!isAddressEqual(permit.gateway, offer.gateway)) {
    throw refuse("PERMIT_WRONG_GATEWAY", `expected the offer's gateway ${offer.gateway.toLowerCase()}`);
  }
}

function refuse(code: string, message: string): GatewayError {
  return new GatewayError(code, 403, message);
}
