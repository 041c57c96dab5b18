import { type Hex, getAddress } from "viem";

import type { MarketReader } from "../chain/clients";
import { readChainId, readEntitlement, readOffer } from "../chain/read";
import type { GatewayClient } from "../gateway/client";
import { type Clock, epochSeconds } from "../protocol/clock";
import { type StateKeyRequest, marketDomain, stateKeyRequestTypes } from "../protocol/eip712";
import { ProtocolError } from "../protocol/errors";
import { type WorkerKeyPair, jwkThumbprint } from "../protocol/keys";
import { STATE_KEY_MAX_DEADLINE_SECONDS, STATE_KEY_MAX_RANGE, decryptStateKeys } from "../protocol/stateKeyRequest";
import type { TypedDataSigner } from "../signer";
import { BuyerErrorCode } from "./errors";

/** Default lifetime of a state-key request, in seconds (the gateway allows at most 300). */
export const STATE_KEY_DEFAULT_LIFETIME_SECONDS = 120;

/** What `requestStateKeys` takes beyond the clients. */
export interface StateKeysInput {
  readonly entitlementId: bigint;
  readonly fromStep: number;
  readonly toStep: number;
  /** The entitlement's buyer (the gateway accepts only the buyer's EOA signature, not a permit delegate). */
  readonly signer: TypedDataSigner;
  /** The key pair the reply is encrypted to: a fresh X25519 pair (`generateWorkerKeyPair`) held by the buyer. */
  readonly recipient: WorkerKeyPair;
  readonly clock: Clock;
  /** Epoch seconds; defaults to now + 120. Must lie in (now, now + 300]. */
  readonly deadline?: bigint;
}

/** The released state keys, by step, and the gateway's receipt of the release. */
export interface StateKeys {
  readonly keys: ReadonlyMap<number, Hex>;
  readonly kv: number;
  readonly receiptSeq: string;
  readonly request: StateKeyRequest;
}

/** Refuses a range the gateway would refuse: reversed, or more than 256 steps. */
export function verifyStateKeyRange(fromStep: number, toStep: number): void {
  const ok =
    Number.isSafeInteger(fromStep) &&
    Number.isSafeInteger(toStep) &&
    fromStep >= 0 &&
    toStep < 2 ** 32 &&
    fromStep <= toStep &&
    toStep - fromStep + 1 <= STATE_KEY_MAX_RANGE;
  if (!ok) {
    throw new ProtocolError(
      BuyerErrorCode.STATE_KEY_RANGE_INVALID,
      `expected 0 ≤ fromStep ≤ toStep with at most ${STATE_KEY_MAX_RANGE} steps, got ${fromStep}..${toStep}`,
    );
  }
}

/** Refuses a deadline the gateway would refuse: not in (now, now + 300]. */
export function verifyStateKeyDeadline(deadline: bigint, now: number): void {
  if (deadline <= BigInt(now) || deadline > BigInt(now + STATE_KEY_MAX_DEADLINE_SECONDS)) {
    throw new ProtocolError(
      BuyerErrorCode.STATE_KEY_DEADLINE_INVALID,
      `expected a deadline in (${now}, ${now + STATE_KEY_MAX_DEADLINE_SECONDS}], got ${deadline}`,
    );
  }
}

/**
 * Fetches the state keys of steps fromStep..toStep from the gateway: builds the StateKeyRequest (the offer's
 * gateway, the recipient's thumbprint), signs it as the buyer, and decrypts the reply with the recipient's
 * private key (`decryptStateKeys` checks it answers exactly this request). stateKey(0) is always available;
 * stateKey(k ≥ 1) only once step k is settled.
 */
export async function requestStateKeys(
  reader: MarketReader,
  gateway: GatewayClient,
  input: StateKeysInput,
): Promise<StateKeys> {
  verifyStateKeyRange(input.fromStep, input.toStep);
  const now = epochSeconds(input.clock);
  const deadline = input.deadline ?? BigInt(now + STATE_KEY_DEFAULT_LIFETIME_SECONDS);
  verifyStateKeyDeadline(deadline, now);
  const entitlement = await readEntitlement(reader, input.entitlementId);
  if (input.signer.address !== entitlement.buyer) {
    throw new ProtocolError(
      BuyerErrorCode.SIGNER_MISMATCH,
      `expected state keys requested by the buyer ${entitlement.buyer}, got ${input.signer.address}`,
    );
  }
  const [offer, chainId] = await Promise.all([readOffer(reader, entitlement.offerId), readChainId(reader)]);
  const request: StateKeyRequest = {
    entitlementId: input.entitlementId,
    fromStep: input.fromStep,
    toStep: input.toStep,
    recipientKey: jwkThumbprint(input.recipient.publicJwk),
    gateway: getAddress(offer.terms.gateway),
    deadline,
  };
  const signature = await input.signer.signTypedData({
    domain: marketDomain(chainId, reader.market),
    types: stateKeyRequestTypes,
    primaryType: "StateKeyRequest",
    message: { ...request },
  });
  const reply = await gateway.stateKeys(request, signature, input.recipient.publicJwk);
  const { kv, keys } = await decryptStateKeys(reply.jwe, input.recipient.privateKey, request);
  return { keys, kv, receiptSeq: reply.receiptSeq, request };
}

/** The key of one step from a reply (`STATE_KEY_MISSING` if the reply lacks it). */
export function stateKeyOf(keys: StateKeys, step: number): Hex {
  const key = keys.keys.get(step);
  if (key === undefined) throw new ProtocolError(BuyerErrorCode.STATE_KEY_MISSING, `expected the key of step ${step}`);
  return key;
}
