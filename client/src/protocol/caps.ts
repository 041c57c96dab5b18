import type { KeyObject } from "node:crypto";
import { compactDecrypt } from "jose";
import type { Hex } from "viem";

import { type Clock, epochSeconds } from "./clock";
import { ProtocolError } from "./errors";
import { canonicalJson } from "./jcs";

/** JWE key management of every released secret: ECDH-ES with X25519, then AES-256 key wrap. */
export const CAPS_ALG = "ECDH-ES+A256KW";
/** JWE content encryption of every released secret. */
export const CAPS_ENC = "A256GCM";
/** JWE `typ` of a step's caps (distinct from the state-keys reply, so one cannot pass for the other). */
export const CAPS_TYP = "swarm-caps+jwe";

/** Stable codes of refusals of a caps JWE by the runner. */
export const CapsErrorCode = {
  MALFORMED: "CAPS_JWE_MALFORMED",
  DECRYPT_FAILED: "CAPS_DECRYPT_FAILED",
  HEADER_INVALID: "CAPS_HEADER_INVALID",
  ENTITLEMENT_MISMATCH: "CAPS_ENTITLEMENT_MISMATCH",
  STEP_MISMATCH: "CAPS_STEP_MISMATCH",
  PERMIT_MISMATCH: "CAPS_PERMIT_MISMATCH",
  PAYLOAD_INVALID: "CAPS_PAYLOAD_INVALID",
  EXPIRED: "CAPS_EXPIRED",
} as const;

/** The caps JWE's protected header beyond alg/enc/epk: integers as decimal strings, the digest as hex. */
export interface CapsHeader {
  readonly typ: typeof CAPS_TYP;
  readonly entitlementId: string;
  readonly step: string;
  readonly permitDigest: Hex;
  /** Version of the gateway master secret the caps derive from. */
  readonly kv: string;
}

/** The caps JWE's plaintext, as JSON (JCS bytes). */
export interface CapsPayload {
  readonly stateCapIn: Hex;
  readonly stateCapOut: Hex;
  readonly netCap: string;
  /** Epoch seconds, decimal: the step's consumedAt + stepTimeout. */
  readonly expiresAt: string;
}

/** A step's caps as the runner uses them. */
export interface ReleasedCaps {
  readonly kv: number;
  readonly stateCapIn: Hex;
  readonly stateCapOut: Hex;
  readonly netCap: string;
  readonly expiresAt: bigint;
}

/** What the runner expects the caps to be for: its permit's fields. */
export interface CapsExpectation {
  readonly entitlementId: bigint;
  readonly step: number;
  readonly permitDigest: Hex;
  readonly clock: Clock;
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;
const BYTES32 = /^0x[0-9a-f]{64}$/;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const HEADER_NAMES = ["alg", "enc", "entitlementId", "epk", "kv", "permitDigest", "step", "typ"];
const PAYLOAD_NAMES = ["expiresAt", "netCap", "stateCapIn", "stateCapOut"];

/** Whether `o` has exactly the member names `sorted` (given in sorted order), compared one by one. */
function hasExactly(o: object, sorted: readonly string[]): boolean {
  const names = Object.keys(o).sort();
  return names.length === sorted.length && names.every((n, i) => n === sorted[i]);
}

function fail(code: string, message: string, cause?: unknown): never {
  throw new ProtocolError(code, message, cause === undefined ? undefined : { cause });
}

/** Decrypts a compact JWE with ECDH-ES+A256KW / A256GCM only; returns its protected header and plaintext. */
export async function decryptCompact(
  jwe: string,
  privateKey: KeyObject,
): Promise<{ header: Record<string, unknown>; plaintext: Uint8Array }> {
  if (typeof jwe !== "string" || jwe.split(".").length !== 5) fail(CapsErrorCode.MALFORMED, "expected a compact JWE");
  try {
    const { protectedHeader, plaintext } = await compactDecrypt(jwe, privateKey, {
      keyManagementAlgorithms: [CAPS_ALG],
      contentEncryptionAlgorithms: [CAPS_ENC],
    });
    return { header: protectedHeader as Record<string, unknown>, plaintext };
  } catch (cause) {
    fail(CapsErrorCode.DECRYPT_FAILED, "the JWE does not decrypt with this key under ECDH-ES+A256KW/A256GCM", cause);
  }
}

/** Checks the (authenticated) header: exact member set, typ, and the permit's entitlementId, step and digest. */
export function verifyCapsHeader(header: Record<string, unknown>, expected: CapsExpectation): CapsHeader {
  if (!hasExactly(header, HEADER_NAMES)) {
    fail(CapsErrorCode.HEADER_INVALID, `expected exactly the header members ${HEADER_NAMES.join(", ")}`);
  }
  if (header.typ !== CAPS_TYP) fail(CapsErrorCode.HEADER_INVALID, `expected typ ${CAPS_TYP}`);
  if (typeof header.kv !== "string" || !DECIMAL.test(header.kv) || !Number.isSafeInteger(Number(header.kv))) {
    fail(CapsErrorCode.HEADER_INVALID, "expected kv as a decimal string");
  }
  if (header.entitlementId !== expected.entitlementId.toString()) {
    fail(CapsErrorCode.ENTITLEMENT_MISMATCH, `expected entitlementId ${expected.entitlementId}`);
  }
  if (header.step !== expected.step.toString()) fail(CapsErrorCode.STEP_MISMATCH, `expected step ${expected.step}`);
  if (header.permitDigest !== expected.permitDigest.toLowerCase()) {
    fail(CapsErrorCode.PERMIT_MISMATCH, "expected the permit digest of this runner's permit");
  }
  return header as unknown as CapsHeader;
}

/** Parses the plaintext: canonical JCS, exactly the four members, caps as bytes32 hex, netCap a compact JWS. */
export function parseCapsPayload(plaintext: Uint8Array): CapsPayload {
  let text: string;
  let p: unknown;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(plaintext);
    p = JSON.parse(text);
  } catch (cause) {
    fail(CapsErrorCode.PAYLOAD_INVALID, "expected a JSON payload", cause);
  }
  const bad = (what: string): never => fail(CapsErrorCode.PAYLOAD_INVALID, `expected ${what}`);
  if (typeof p !== "object" || p === null || Array.isArray(p)) return bad("a JSON object");
  if (canonicalJson(p) !== text) bad("canonical (JCS) JSON");
  const o = p as Record<string, unknown>;
  if (!hasExactly(o, PAYLOAD_NAMES)) bad(`exactly ${PAYLOAD_NAMES.join(", ")}`);
  for (const name of ["stateCapIn", "stateCapOut"] as const) {
    const v = o[name];
    if (typeof v !== "string" || !BYTES32.test(v)) bad(`${name} as 32 bytes of lowercase hex`);
  }
  if (typeof o.netCap !== "string" || !COMPACT_JWS.test(o.netCap)) bad("netCap as a compact JWS");
  if (typeof o.expiresAt !== "string" || !DECIMAL.test(o.expiresAt)) bad("expiresAt as a decimal string");
  return o as unknown as CapsPayload;
}

/**
 * The runner's side of a release: decrypts the caps JWE with the worker's private key, checks the header against
 * the runner's own permit (a JWE for another entitlement, step or permit is refused), parses the payload and
 * refuses caps whose step window has closed.
 */
export async function decryptCaps(
  jwe: string,
  workerPrivateKey: KeyObject,
  expected: CapsExpectation,
): Promise<ReleasedCaps> {
  const { header, plaintext } = await decryptCompact(jwe, workerPrivateKey);
  const verified = verifyCapsHeader(header, expected);
  const payload = parseCapsPayload(plaintext);
  const expiresAt = BigInt(payload.expiresAt);
  const now = epochSeconds(expected.clock);
  if (BigInt(now) >= expiresAt) fail(CapsErrorCode.EXPIRED, `the caps expired at ${expiresAt}, now ${now}`);
  return {
    kv: Number(verified.kv),
    stateCapIn: payload.stateCapIn,
    stateCapOut: payload.stateCapOut,
    netCap: payload.netCap,
    expiresAt,
  };
}
