import type { Hex } from "viem";

import type { MarketReader } from "../chain/clients";
import { readChainId, readEntitlement, readOffer } from "../chain/read";
import type { GatewayClient } from "../gateway/client";
import { type Clock, epochSeconds } from "../protocol/clock";
import { type StepPermit, marketDomain } from "../protocol/eip712";
import type { TypedDataSigner } from "../signer";
import { type PermitChoices, buildStepPermit, signStepPermit, verifyPermitSigner } from "./permit";
import { type RunnerExpectation, verifyRunnerIdentity } from "./runnerIdentity";
import { type RunnerSession, parseRunnerSession } from "./sessions";

/** A permit signed and attached to a session: what the runner will pick up. */
export interface BoundPermit {
  readonly permit: StepPermit;
  readonly signature: Hex;
  /** The permit's EIP-712 digest (what `StepConsumed` and the caps header carry). */
  readonly digest: Hex;
  readonly session: RunnerSession;
}

/** What `bindPermit` takes beyond the clients. */
export interface BindPermitInput extends PermitChoices {
  readonly session: RunnerSession;
  readonly signer: TypedDataSigner;
  readonly clock: Clock;
  /** Checked before signing when given (see RunnerExpectation). */
  readonly expect?: RunnerExpectation;
}

/**
 * Answers a runner session with a bound permit, in order: fresh chain facts (entitlement, offer) → the signer
 * is the entitlement's → the runner is who the buyer expects → build the permit for the next step → sign →
 * attach it through the gateway (which checks it as `consume` would).
 */
export async function bindPermit(
  reader: MarketReader,
  gateway: GatewayClient,
  input: BindPermitInput,
): Promise<BoundPermit> {
  const { session } = input;
  const entitlement = await readEntitlement(reader, session.entitlementId);
  const [offer, chainId] = await Promise.all([readOffer(reader, entitlement.offerId), readChainId(reader)]);
  verifyPermitSigner(input.signer.address, entitlement);
  if (input.expect !== undefined) {
    verifyRunnerIdentity(session, input.expect, { offer, chainId: BigInt(chainId), market: reader.market });
  }
  const permit = buildStepPermit(session, entitlement, offer, input, epochSeconds(input.clock));
  const { signature, digest } = await signStepPermit(input.signer, marketDomain(chainId, reader.market), permit);
  const attached = await gateway.attachPermit(session.id, permit, signature);
  return { permit, signature, digest, session: parseRunnerSession(attached, session.entitlementId) };
}
