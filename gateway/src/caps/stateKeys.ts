import { type Address, type Hex, type TypedDataDomain, bytesToHex, hashTypedData, isAddressEqual } from "viem";

import { type Clock, epochSeconds } from "../../../client/src/protocol/clock";
import type { StateKeyRequest } from "../../../client/src/protocol/eip712";
import { type WorkerJwk, jwkThumbprint } from "../../../client/src/protocol/keys";
import {
  STATE_KEYS_TYP,
  STATE_KEY_MAX_DEADLINE_SECONDS,
  STATE_KEY_MAX_RANGE,
  type StateKeysHeader,
  type StateKeysPayload,
  stateKeyRequestTypedData,
} from "../../../client/src/protocol/stateKeyRequest";
import { GatewayError } from "../errors";
import { recoverStrict } from "../permits/verifySignature";
import { chainKey, stateKey } from "./derive";
import { encryptToRecipient, requireRecipientJwk } from "./recipient";
import { type MasterSecret, selectSecret } from "./secrets";

/** What a StateKeyRequest is checked against: the entitlement's buyer and domain, this gateway, chain status. */
export interface StateKeyRequestContext {
  readonly domain: TypedDataDomain;
  readonly buyer: Address;
  readonly gateway: Address;
  readonly clock: Clock;
  /** Whether step k of this entitlement is Settled on-chain; throws when the chain cannot be read. */
  readonly isSettled: (k: number) => Promise<boolean>;
  /** The recipient's public X25519 JWK, as sent beside the request. */
  readonly recipientJwk: unknown;
}

/** What the gateway needs to derive and encrypt the requested keys. */
export interface StateKeysRelease {
  readonly request: StateKeyRequest;
  readonly recipientJwk: WorkerJwk;
  readonly secrets: readonly MasterSecret[];
  readonly purchaseBlock: bigint;
  readonly chainId: bigint;
  readonly market: Address;
}

/** secp256k1 order / 2: a signature with a larger s is the malleated twin of a low-s one. */
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function refuse(code: string, status: number, message: string, cause?: unknown): never {
  throw new GatewayError(code, status, message, cause === undefined ? undefined : { cause });
}

/** Checks field types and ranges of a request (400 `STATE_KEY_REQUEST_MALFORMED`). */
export function verifyStateKeyRequestShape(r: StateKeyRequest): void {
  const u32 = (n: unknown) => typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff;
  const ok =
    typeof r.entitlementId === "bigint" &&
    r.entitlementId >= 0n &&
    r.entitlementId < 1n << 256n &&
    u32(r.fromStep) &&
    u32(r.toStep) &&
    typeof r.recipientKey === "string" &&
    BYTES32.test(r.recipientKey) &&
    typeof r.gateway === "string" &&
    ADDRESS.test(r.gateway) &&
    typeof r.deadline === "bigint" &&
    r.deadline >= 0n &&
    r.deadline < 1n << 64n;
  if (!ok) refuse("STATE_KEY_REQUEST_MALFORMED", 400, "expected a StateKeyRequest with every field in range");
}

/** The request names this gateway (403 `STATE_KEY_WRONG_GATEWAY`). */
export function verifyStateKeyGateway(r: StateKeyRequest, gateway: Address): void {
  if (r.gateway.toLowerCase() !== gateway.toLowerCase()) {
    refuse("STATE_KEY_WRONG_GATEWAY", 403, `expected gateway ${gateway.toLowerCase()}`);
  }
}

/** now ≤ deadline ≤ now + 300 s (403 `STATE_KEY_DEADLINE_INVALID`): a signed request is short-lived. */
export function verifyStateKeyDeadline(r: StateKeyRequest, clock: Clock): void {
  const now = BigInt(epochSeconds(clock));
  if (r.deadline < now) refuse("STATE_KEY_DEADLINE_INVALID", 403, `deadline ${r.deadline} passed, now ${now}`);
  if (r.deadline > now + BigInt(STATE_KEY_MAX_DEADLINE_SECONDS)) {
    refuse("STATE_KEY_DEADLINE_INVALID", 403, `expected a deadline ≤ now + ${STATE_KEY_MAX_DEADLINE_SECONDS} s`);
  }
}

/** fromStep ≤ toStep and at most 256 steps (400 `STATE_KEY_RANGE_INVALID`). */
export function verifyStateKeyRange(r: StateKeyRequest): void {
  if (r.fromStep > r.toStep || r.toStep - r.fromStep + 1 > STATE_KEY_MAX_RANGE) {
    refuse("STATE_KEY_RANGE_INVALID", 400, `expected fromStep ≤ toStep spanning ≤ ${STATE_KEY_MAX_RANGE} steps`);
  }
}

/** The recipient JWK parses and its thumbprint is the signed recipientKey (403 `STATE_KEY_RECIPIENT_MISMATCH`). */
export function verifyStateKeyRecipient(r: StateKeyRequest, recipientJwk: unknown): WorkerJwk {
  const jwk = requireRecipientJwk(recipientJwk);
  if (jwkThumbprint(jwk) !== r.recipientKey.toLowerCase()) {
    refuse("STATE_KEY_RECIPIENT_MISMATCH", 403, "expected the recipient JWK whose thumbprint the request signs");
  }
  return jwk;
}

/** A 65-byte low-s signature over the request recovers to the buyer (403 `STATE_KEY_SIGNATURE_INVALID`). */
export async function verifyStateKeySignature(
  r: StateKeyRequest,
  signature: Hex,
  domain: TypedDataDomain,
  buyer: Address,
): Promise<void> {
  if (typeof signature !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(signature)) {
    refuse("STATE_KEY_SIGNATURE_INVALID", 403, "expected a 65-byte signature");
  }
  // The same rule as for permits: 65 bytes, low-s, v of 27 or 28, so one request has one encoding.
  const signer = await recoverStrict(hashTypedData(stateKeyRequestTypedData(domain, r)), signature);
  if (signer === undefined) {
    refuse("STATE_KEY_SIGNATURE_INVALID", 403, "expected a low-s signature with v of 27 or 28 that recovers");
  }
  if (!isAddressEqual(signer, buyer)) {
    refuse("STATE_KEY_SIGNATURE_INVALID", 403, "expected the entitlement's buyer to have signed");
  }
}

/** Every requested step k ≥ 1 is Settled; k = 0 (genesis) always may be released (403 `STATE_KEY_STEP_NOT_SETTLED`). */
export async function verifyStepsSettled(
  r: StateKeyRequest,
  isSettled: (k: number) => Promise<boolean>,
): Promise<void> {
  for (let k = Math.max(r.fromStep, 1); k <= r.toStep; k++) {
    let settled: boolean;
    try {
      settled = await isSettled(k);
    } catch (cause) {
      if (cause instanceof GatewayError) throw cause;
      return refuse("STATE_KEY_CHAIN_UNAVAILABLE", 503, "could not read step status from the chain", cause);
    }
    if (settled !== true) refuse("STATE_KEY_STEP_NOT_SETTLED", 403, `step ${k} is not settled`);
  }
}

/**
 * Verifies a buyer's StateKeyRequest, cheapest check first: shape, gateway, deadline, range, recipient key,
 * signature, then on-chain settlement of every step ≥ 1. Returns the recipient key to encrypt to.
 */
export async function verifyStateKeyRequest(
  request: StateKeyRequest,
  signature: Hex,
  context: StateKeyRequestContext,
): Promise<WorkerJwk> {
  verifyStateKeyRequestShape(request);
  verifyStateKeyGateway(request, context.gateway);
  verifyStateKeyDeadline(request, context.clock);
  verifyStateKeyRange(request);
  const recipient = verifyStateKeyRecipient(request, context.recipientJwk);
  await verifyStateKeySignature(request, signature, context.domain, context.buyer);
  await verifyStepsSettled(request, context.isSettled);
  return recipient;
}

/**
 * Derives stateKey(k) for k in [fromStep, toStep] under the secret in force at the purchase block and encrypts
 * them to the recipient: compact JWE whose protected header carries typ, entitlementId, fromStep, toStep and kv.
 * Call only after verifyStateKeyRequest. The chain key itself never leaves this function.
 */
export async function encryptStateKeys(release: StateKeysRelease): Promise<string> {
  const { request } = release;
  verifyStateKeyRange(request);
  const { kv, secret } = selectSecret(release.secrets, release.purchaseBlock);
  const key = chainKey(secret, release.chainId, release.market, request.entitlementId);
  const keys: { step: string; key: Hex }[] = [];
  try {
    for (let k = request.fromStep; k <= request.toStep; k++)
      keys.push({ step: k.toString(), key: bytesToHex(stateKey(key, k)) });
  } finally {
    key.fill(0);
  }
  const header: StateKeysHeader = {
    typ: STATE_KEYS_TYP,
    entitlementId: request.entitlementId.toString(),
    fromStep: request.fromStep.toString(),
    toStep: request.toStep.toString(),
    kv: kv.toString(),
  };
  const payload: StateKeysPayload = { keys };
  return encryptToRecipient(release.recipientJwk, { ...header }, payload);
}
