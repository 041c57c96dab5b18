import { createHmac, hkdfSync } from "node:crypto";
import { type Address, hexToBytes, isAddress } from "viem";

import { GatewayError } from "../errors";

/** HKDF `info` prefix of an entitlement's chain key. */
export const ENTITLEMENT_INFO = "swarm/v1/entitlement";
/** HKDF-Expand `info` prefix of a step's state key. */
export const STATE_INFO = "swarm/v1/state";
/** Length in bytes of every derived key. */
export const KEY_LENGTH = 32;
/** Shortest master secret accepted: 256 bits. */
export const MIN_SECRET_LENGTH = 32;

const UINT256_MAX = (1n << 256n) - 1n;
const UINT32_MAX = 0xffff_ffff;

function invalid(message: string): never {
  throw new GatewayError("CAPS_DERIVATION_INPUT_INVALID", 500, message);
}

/** `value` as `width` big-endian bytes; refuses a value that does not fit. */
export function uintBytes(value: bigint, width: number): Uint8Array {
  if (value < 0n || value >= 1n << BigInt(8 * width)) invalid(`expected a uint${8 * width}, got ${value}`);
  return hexToBytes(`0x${value.toString(16).padStart(2 * width, "0")}`);
}

/** RFC 5869 HKDF-Extract with SHA-256: PRK = HMAC-SHA256(salt, IKM). */
export function hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac("sha256", salt).update(ikm).digest());
}

/** RFC 5869 HKDF-Expand with SHA-256: T(i) = HMAC(PRK, T(i−1) || info || i), the first `length` bytes. */
export function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (prk.length < 32) invalid(`expected a PRK of at least 32 bytes, got ${prk.length}`);
  if (!Number.isInteger(length) || length < 1 || length > 255 * 32) invalid(`expected 1 ≤ L ≤ 8160, got ${length}`);
  const out = new Uint8Array(Math.ceil(length / 32) * 32);
  let previous = new Uint8Array(0);
  for (let i = 1; (i - 1) * 32 < length; i++) {
    previous = new Uint8Array(
      createHmac("sha256", prk).update(previous).update(info).update(Uint8Array.of(i)).digest(),
    );
    out.set(previous, (i - 1) * 32);
  }
  return out.slice(0, length);
}

/**
 * An entitlement's chain key: HKDF-SHA256(IKM = masterSecret, salt = uint256(chainId) || market (20 bytes),
 * info = "swarm/v1/entitlement" || uint256(entitlementId), L = 32). Never released, never stored.
 */
export function chainKey(
  masterSecret: Uint8Array,
  chainId: bigint,
  market: Address,
  entitlementId: bigint,
): Uint8Array {
  if (masterSecret.length < MIN_SECRET_LENGTH)
    invalid(`expected a master secret of at least ${MIN_SECRET_LENGTH} bytes`);
  if (chainId < 1n || chainId > UINT256_MAX) invalid(`expected a chain id in [1, 2^256), got ${chainId}`);
  if (!isAddress(market, { strict: false })) invalid("expected a 20-byte market address");
  if (entitlementId < 0n || entitlementId > UINT256_MAX)
    invalid(`expected a uint256 entitlement id, got ${entitlementId}`);
  const salt = Buffer.concat([uintBytes(chainId, 32), hexToBytes(market)]);
  const info = Buffer.concat([Buffer.from(ENTITLEMENT_INFO, "utf8"), uintBytes(entitlementId, 32)]);
  return new Uint8Array(hkdfSync("sha256", masterSecret, salt, info, KEY_LENGTH));
}

/** A step's state key: HKDF-Expand(PRK = chainKey, info = "swarm/v1/state" || uint32(k), L = 32). */
export function stateKey(chainKeyBytes: Uint8Array, k: number): Uint8Array {
  if (chainKeyBytes.length !== KEY_LENGTH)
    invalid(`expected a ${KEY_LENGTH}-byte chain key, got ${chainKeyBytes.length}`);
  if (!Number.isInteger(k) || k < 0 || k > UINT32_MAX) invalid(`expected a uint32 step, got ${k}`);
  const info = Buffer.concat([Buffer.from(STATE_INFO, "utf8"), uintBytes(BigInt(k), 4)]);
  return hkdfExpand(chainKeyBytes, info, KEY_LENGTH);
}
