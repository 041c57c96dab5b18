import { CompactEncrypt, compactDecrypt, decodeProtectedHeader } from "jose";
import { type Hex, zeroHash } from "viem";

import { ProtocolError } from "./errors";

/*
 * A step's state, result and next tokens travel as compact JWE under a 32-byte state key: `dir` key management
 * (the key is the content key), A256GCM with a random 96-bit IV. The protected header names what the bundle is
 * (`typ`) and whose step it belongs to (entitlementId, step, permitDigest); being the AAD of the cipher, it
 * cannot be changed without failing decryption, and the reader checks it against what it expects, so a result
 * cannot pass for a state and step k's state cannot pass for step j's.
 */

/** JWE key management of every state bundle: the state key is the content encryption key. */
export const STATE_BUNDLE_ALG = "dir";
/** JWE content encryption of every state bundle. */
export const STATE_BUNDLE_ENC = "A256GCM";
/** `typ` of each kind of bundle: distinct, so one cannot be swapped for another. */
export const StateBundleTyp = {
  state: "swarm-state+jwe",
  result: "swarm-result+jwe",
  nextTokens: "swarm-next-tokens+jwe",
} as const;
/** What a bundle holds: the step's state, its result, or its next tokens. */
export type StateBundleKind = keyof typeof StateBundleTyp;

/** The genesis state's step (it is encrypted under stateKey(0)). */
export const GENESIS_STEP = 0;
/** The genesis state's `permitDigest`: no permit precedes it, so 32 zero bytes. */
export const GENESIS_PERMIT_DIGEST: Hex = zeroHash;

/** Stable codes of state-bundle failures. */
export const StateBundleErrorCode = {
  MALFORMED: "STATE_BUNDLE_MALFORMED",
  TOO_LARGE: "STATE_TOO_LARGE",
  KEY_INVALID: "STATE_BUNDLE_KEY_INVALID",
  HEADER_INVALID: "STATE_BUNDLE_HEADER_INVALID",
  TYPE_MISMATCH: "STATE_BUNDLE_TYPE_MISMATCH",
  ENTITLEMENT_MISMATCH: "STATE_BUNDLE_ENTITLEMENT_MISMATCH",
  STEP_MISMATCH: "STATE_BUNDLE_STEP_MISMATCH",
  PERMIT_MISMATCH: "STATE_BUNDLE_PERMIT_MISMATCH",
  DECRYPT_FAILED: "STATE_BUNDLE_DECRYPT_FAILED",
} as const;

/** Which step a bundle belongs to and how large its plaintext may be (the policy's `maxStateBytes`). */
export interface StateBundleBinding {
  readonly kind: StateBundleKind;
  readonly entitlementId: bigint;
  readonly step: number;
  readonly permitDigest: Hex;
  readonly maxBytes: number;
}

/** Longest protected header accepted, in base64url characters (a real one is about 250). */
const MAX_HEADER_CHARS = 1024;
const HEADER_NAMES = ["alg", "enc", "entitlementId", "permitDigest", "step", "typ"];
const BYTES32 = /^0x[0-9a-f]{64}$/;
const B64URL = /^[A-Za-z0-9_-]+$/;
/** base64url lengths of a 96-bit IV and a 128-bit GCM tag. */
const IV_CHARS = 16;
const TAG_CHARS = 22;

function fail(code: string, message: string, cause?: unknown): never {
  throw new ProtocolError(code, message, cause === undefined ? undefined : { cause });
}

/** The longest compact JWE whose plaintext can fit in `maxBytes`: checked before anything is decoded. */
export function maxStateBundleLength(maxBytes: number): number {
  return MAX_HEADER_CHARS + IV_CHARS + Math.ceil((maxBytes * 4) / 3) + TAG_CHARS + 4;
}

/** The 32 key bytes of a state key written as lowercase bytes32 hex. */
function keyBytes(key: Hex): Uint8Array {
  if (typeof key !== "string" || !BYTES32.test(key)) fail(StateBundleErrorCode.KEY_INVALID, "expected a bytes32 key");
  return new Uint8Array(Buffer.from(key.slice(2), "hex"));
}

function verifyLimit(maxBytes: number): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    fail(StateBundleErrorCode.TOO_LARGE, `expected a positive byte limit, got ${String(maxBytes)}`);
  }
}

/** The protected header members beyond alg/enc that bind a bundle to its step. */
function bindingHeader(b: StateBundleBinding): Record<string, string> {
  return {
    typ: StateBundleTyp[b.kind],
    entitlementId: b.entitlementId.toString(),
    step: b.step.toString(),
    permitDigest: b.permitDigest.toLowerCase(),
  };
}

/** Encrypts a step output (at most `maxBytes`) under `key` (the step's stateCapOut) as a compact JWE. */
export async function encryptStateBundle(
  plaintext: Uint8Array,
  key: Hex,
  binding: StateBundleBinding,
): Promise<string> {
  verifyLimit(binding.maxBytes);
  if (plaintext.byteLength > binding.maxBytes) {
    fail(StateBundleErrorCode.TOO_LARGE, `expected at most ${binding.maxBytes} bytes, got ${plaintext.byteLength}`);
  }
  if (!BYTES32.test(binding.permitDigest.toLowerCase())) {
    fail(StateBundleErrorCode.HEADER_INVALID, "expected permitDigest as bytes32 hex");
  }
  return new CompactEncrypt(plaintext)
    .setProtectedHeader({ alg: STATE_BUNDLE_ALG, enc: STATE_BUNDLE_ENC, ...bindingHeader(binding) })
    .encrypt(keyBytes(key));
}

/** Encrypts the buyer's genesis state under stateKey(0): step "0" and a zero permitDigest in the header. */
export function encryptGenesisState(
  plaintext: Uint8Array,
  stateKey0: Hex,
  entitlementId: bigint,
  maxBytes: number,
): Promise<string> {
  const binding: StateBundleBinding = {
    kind: "state",
    entitlementId,
    step: GENESIS_STEP,
    permitDigest: GENESIS_PERMIT_DIGEST,
    maxBytes,
  };
  return encryptStateBundle(plaintext, stateKey0, binding);
}

/** Refuses a bundle longer than its limit allows, or not shaped as a `dir` compact JWE (empty key segment). */
export function verifyStateBundleShape(jwe: unknown, maxBytes: number): asserts jwe is string {
  verifyLimit(maxBytes);
  if (typeof jwe !== "string") fail(StateBundleErrorCode.MALFORMED, `expected a compact JWE, got ${typeof jwe}`);
  if (jwe.length > maxStateBundleLength(maxBytes)) {
    fail(StateBundleErrorCode.TOO_LARGE, `expected a bundle for at most ${maxBytes} bytes, got ${jwe.length} chars`);
  }
  const parts = jwe.split(".");
  const ok =
    parts.length === 5 &&
    B64URL.test(parts[0]!) &&
    parts[0]!.length <= MAX_HEADER_CHARS &&
    parts[1] === "" &&
    parts[2]!.length === IV_CHARS &&
    B64URL.test(parts[2]!) &&
    B64URL.test(parts[3]!) &&
    parts[4]!.length === TAG_CHARS &&
    B64URL.test(parts[4]!);
  if (!ok) fail(StateBundleErrorCode.MALFORMED, "expected a compact JWE: header..iv.ciphertext.tag");
}

/** Checks the protected header: exact members, alg/enc, then typ, entitlementId, step and permitDigest. */
export function verifyStateBundleHeader(header: Record<string, unknown>, expected: StateBundleBinding): void {
  const names = Object.keys(header).sort();
  if (names.length !== HEADER_NAMES.length || names.some((n, i) => n !== HEADER_NAMES[i])) {
    fail(StateBundleErrorCode.HEADER_INVALID, `expected exactly the header members ${HEADER_NAMES.join(", ")}`);
  }
  if (header.alg !== STATE_BUNDLE_ALG || header.enc !== STATE_BUNDLE_ENC) {
    fail(StateBundleErrorCode.HEADER_INVALID, `expected alg ${STATE_BUNDLE_ALG} and enc ${STATE_BUNDLE_ENC}`);
  }
  const want = bindingHeader(expected);
  if (header.typ !== want.typ) {
    fail(StateBundleErrorCode.TYPE_MISMATCH, `expected typ ${want.typ}, got ${String(header.typ).slice(0, 40)}`);
  }
  if (header.entitlementId !== want.entitlementId) {
    fail(StateBundleErrorCode.ENTITLEMENT_MISMATCH, `expected entitlementId ${want.entitlementId}`);
  }
  if (header.step !== want.step) {
    fail(StateBundleErrorCode.STEP_MISMATCH, `expected step ${want.step}, got ${String(header.step).slice(0, 12)}`);
  }
  if (header.permitDigest !== want.permitDigest) {
    fail(StateBundleErrorCode.PERMIT_MISMATCH, `expected permitDigest ${want.permitDigest}`);
  }
}

/**
 * Decrypts a state bundle under `key` (the step's stateCapIn when reading the input), refusing it unless its
 * size, shape, header and authentication tag are all what `expected` says. Returns the plaintext.
 */
export async function decryptStateBundle(jwe: string, key: Hex, expected: StateBundleBinding): Promise<Uint8Array> {
  verifyStateBundleShape(jwe, expected.maxBytes);
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(jwe) as Record<string, unknown>;
  } catch (cause) {
    fail(StateBundleErrorCode.MALFORMED, "expected a JSON protected header", cause);
  }
  verifyStateBundleHeader(header, expected);
  let plaintext: Uint8Array;
  try {
    ({ plaintext } = await compactDecrypt(jwe, keyBytes(key), {
      keyManagementAlgorithms: [STATE_BUNDLE_ALG],
      contentEncryptionAlgorithms: [STATE_BUNDLE_ENC],
    }));
  } catch (cause) {
    if (cause instanceof ProtocolError) throw cause;
    fail(StateBundleErrorCode.DECRYPT_FAILED, "the bundle does not decrypt under this key (or was altered)", cause);
  }
  if (plaintext.byteLength > expected.maxBytes) {
    fail(StateBundleErrorCode.TOO_LARGE, `expected at most ${expected.maxBytes} bytes, got ${plaintext.byteLength}`);
  }
  return plaintext;
}
