import type { KeyObject } from "node:crypto";
import type { Hex, TypedDataDefinition, TypedDataDomain } from "viem";

import { decryptCompact } from "./caps";
import { type StateKeyRequest, stateKeyRequestTypes } from "./eip712";
import { ProtocolError } from "./errors";
import { canonicalJson } from "./jcs";

/** Most state keys one request may ask for (toStep − fromStep + 1). */
export const STATE_KEY_MAX_RANGE = 256;
/** Furthest in the future a request's deadline may lie, in seconds. */
export const STATE_KEY_MAX_DEADLINE_SECONDS = 300;
/** JWE `typ` of the state-keys reply (distinct from a step's caps). */
export const STATE_KEYS_TYP = "swarm-state-keys+jwe";

/** Stable codes of state-key request and reply failures on the client side. */
export const StateKeyErrorCode = {
  REQUEST_MALFORMED: "STATE_KEY_REQUEST_MALFORMED",
  REPLY_HEADER_INVALID: "STATE_KEYS_HEADER_INVALID",
  REPLY_PAYLOAD_INVALID: "STATE_KEYS_PAYLOAD_INVALID",
} as const;

/** A StateKeyRequest on the wire: integers as decimal strings, hex lowercase. */
export interface StateKeyRequestJson {
  readonly entitlementId: string;
  readonly fromStep: string;
  readonly toStep: string;
  readonly recipientKey: Hex;
  readonly gateway: Hex;
  readonly deadline: string;
}

/** The state-keys JWE's protected header beyond alg/enc/epk. */
export interface StateKeysHeader {
  readonly typ: typeof STATE_KEYS_TYP;
  readonly entitlementId: string;
  readonly fromStep: string;
  readonly toStep: string;
  readonly kv: string;
}

/** The state-keys JWE's plaintext (JCS): one entry per step, ascending from fromStep to toStep. */
export interface StateKeysPayload {
  readonly keys: readonly { readonly step: string; readonly key: Hex }[];
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;
const BYTES32 = /^0x[0-9a-f]{64}$/;
const ADDRESS = /^0x[0-9a-f]{40}$/;
const REQUEST_NAMES = ["deadline", "entitlementId", "fromStep", "gateway", "recipientKey", "toStep"];
const HEADER_NAMES = ["alg", "enc", "entitlementId", "epk", "fromStep", "kv", "toStep", "typ"];

/** Whether `o` has exactly the member names `sorted` (given in sorted order), compared one by one. */
function hasExactly(o: object, sorted: readonly string[]): boolean {
  const names = Object.keys(o).sort();
  return names.length === sorted.length && names.every((n, i) => n === sorted[i]);
}

function fail(code: string, message: string, cause?: unknown): never {
  throw new ProtocolError(code, message, cause === undefined ? undefined : { cause });
}

function uint(json: Record<string, unknown>, name: string, bits: number): bigint {
  const v = json[name];
  if (typeof v !== "string" || !DECIMAL.test(v) || BigInt(v) >= 1n << BigInt(bits)) {
    fail(StateKeyErrorCode.REQUEST_MALFORMED, `expected ${name} as a uint${bits} decimal string`);
  }
  return BigInt(v);
}

/** Parses a wire StateKeyRequest strictly: exactly its six fields, each in range and canonically encoded. */
export function parseStateKeyRequest(json: unknown): StateKeyRequest {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    fail(StateKeyErrorCode.REQUEST_MALFORMED, "expected a StateKeyRequest object");
  }
  const o = json as Record<string, unknown>;
  if (!hasExactly(o, REQUEST_NAMES)) {
    fail(StateKeyErrorCode.REQUEST_MALFORMED, `expected exactly ${REQUEST_NAMES.join(", ")}`);
  }
  if (typeof o.recipientKey !== "string" || !BYTES32.test(o.recipientKey)) {
    fail(StateKeyErrorCode.REQUEST_MALFORMED, "expected recipientKey as lowercase bytes32 hex");
  }
  if (typeof o.gateway !== "string" || !ADDRESS.test(o.gateway)) {
    fail(StateKeyErrorCode.REQUEST_MALFORMED, "expected gateway as a lowercase address");
  }
  return {
    entitlementId: uint(o, "entitlementId", 256),
    fromStep: Number(uint(o, "fromStep", 32)),
    toStep: Number(uint(o, "toStep", 32)),
    recipientKey: o.recipientKey as Hex,
    gateway: o.gateway as Hex,
    deadline: uint(o, "deadline", 64),
  };
}

/** The wire form of a StateKeyRequest. */
export function stateKeyRequestToJson(request: StateKeyRequest): StateKeyRequestJson {
  return {
    entitlementId: request.entitlementId.toString(),
    fromStep: request.fromStep.toString(),
    toStep: request.toStep.toString(),
    recipientKey: request.recipientKey.toLowerCase() as Hex,
    gateway: request.gateway.toLowerCase() as Hex,
    deadline: request.deadline.toString(),
  };
}

/** The EIP-712 typed data a buyer signs (viem `signTypedData`) for a StateKeyRequest in the market's domain. */
export function stateKeyRequestTypedData(
  domain: TypedDataDomain,
  request: StateKeyRequest,
): TypedDataDefinition<typeof stateKeyRequestTypes, "StateKeyRequest"> {
  return { domain, types: stateKeyRequestTypes, primaryType: "StateKeyRequest", message: request };
}

/** Checks the reply's header against the request it answers; returns the secret version. */
export function verifyStateKeysHeader(header: Record<string, unknown>, request: StateKeyRequest): number {
  const ok =
    hasExactly(header, HEADER_NAMES) &&
    header.typ === STATE_KEYS_TYP &&
    header.entitlementId === request.entitlementId.toString() &&
    header.fromStep === request.fromStep.toString() &&
    header.toStep === request.toStep.toString() &&
    typeof header.kv === "string" &&
    DECIMAL.test(header.kv);
  if (!ok) fail(StateKeyErrorCode.REPLY_HEADER_INVALID, "expected a state-keys header for exactly this request");
  return Number(header.kv);
}

/** Parses the reply's plaintext: canonical JCS, one key per requested step, in order. */
export function parseStateKeysPayload(plaintext: Uint8Array, request: StateKeyRequest): Map<number, Hex> {
  const bad = (): never => fail(StateKeyErrorCode.REPLY_PAYLOAD_INVALID, "expected one key per requested step");
  let text: string;
  let p: unknown;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(plaintext);
    p = JSON.parse(text);
  } catch (cause) {
    fail(StateKeyErrorCode.REPLY_PAYLOAD_INVALID, "expected a JSON payload", cause);
  }
  if (typeof p !== "object" || p === null || Array.isArray(p) || canonicalJson(p) !== text) return bad();
  const keys = (p as { keys?: unknown }).keys;
  if (!hasExactly(p, ["keys"]) || !Array.isArray(keys)) return bad();
  if (keys.length !== request.toStep - request.fromStep + 1) return bad();
  const out = new Map<number, Hex>();
  keys.forEach((entry: unknown, i) => {
    const e = entry as { step?: unknown; key?: unknown };
    const ok = typeof entry === "object" && entry !== null && hasExactly(entry, ["key", "step"]);
    if (!ok || e.step !== String(request.fromStep + i) || typeof e.key !== "string" || !BYTES32.test(e.key)) bad();
    out.set(request.fromStep + i, e.key as Hex);
  });
  return out;
}

/** The buyer's side of the reply: decrypts with the recipient's private key and returns step → state key. */
export async function decryptStateKeys(
  jwe: string,
  recipientPrivateKey: KeyObject,
  request: StateKeyRequest,
): Promise<{ kv: number; keys: Map<number, Hex> }> {
  const { header, plaintext } = await decryptCompact(jwe, recipientPrivateKey);
  const kv = verifyStateKeysHeader(header, request);
  return { kv, keys: parseStateKeysPayload(plaintext, request) };
}
