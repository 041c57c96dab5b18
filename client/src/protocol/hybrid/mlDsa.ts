import { createHash } from "node:crypto";
import { ml_dsa65 } from "@noble/post-quantum/ml-dsa.js";

import { HYBRID_CODES, hybridError } from "./codes";

/** The one post-quantum algorithm swarm signs with: ML-DSA-65 (FIPS 204), pure mode, empty context. */
export const MLDSA_ALGORITHM = "ML-DSA-65";
export const MLDSA_PUBLIC_KEY_BYTES = 1952;
export const MLDSA_SIGNATURE_BYTES = 3309;
const SEED_BYTES = 32;
const SEED_HEX = /^0x[0-9a-f]{64}$/;

/** An ML-DSA-65 key pair. */
export interface MlDsaKeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** The key pair FIPS 204 ML-DSA.KeyGen derives from a 32-byte seed ξ (what a key file holds). */
export function mlDsaKeyFromSeed(seed: Uint8Array): MlDsaKeyPair {
  if (seed.length !== SEED_BYTES) throw hybridError(HYBRID_CODES.KEY_INVALID, `expected a 32-byte ML-DSA seed`);
  const { publicKey, secretKey } = ml_dsa65.keygen(seed);
  return { publicKey, secretKey };
}

/** Reads an ML-DSA-65 key file or variable: the 32-byte seed as 0x lowercase hex (surrounding whitespace ignored). */
export function parseMlDsaSeed(text: string): MlDsaKeyPair {
  const hex = text.trim();
  if (!SEED_HEX.test(hex)) throw hybridError(HYBRID_CODES.KEY_INVALID, "expected an ML-DSA seed as 32 bytes of 0x hex");
  return mlDsaKeyFromSeed(Buffer.from(hex.slice(2), "hex"));
}

/** Throws KEY_INVALID unless `publicKey` is an ML-DSA-65 public key's 1952 bytes. */
export function verifyMlDsaPublicKey(publicKey: Uint8Array): Uint8Array {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== MLDSA_PUBLIC_KEY_BYTES) {
    throw hybridError(HYBRID_CODES.KEY_INVALID, `expected a ${MLDSA_PUBLIC_KEY_BYTES}-byte ML-DSA-65 public key`);
  }
  return publicKey;
}

/**
 * The key's id: the RFC 7638 thumbprint of its AKP JWK (draft-ietf-cose-dilithium), SHA-256 over
 * `{"alg":"ML-DSA-65","kty":"AKP","pub":"<base64url>"}`, as 0x lowercase hex.
 */
export function mlDsaKeyId(publicKey: Uint8Array): `0x${string}` {
  const pub = Buffer.from(verifyMlDsaPublicKey(publicKey)).toString("base64url");
  const jwk = `{"alg":"${MLDSA_ALGORITHM}","kty":"AKP","pub":"${pub}"}`;
  return `0x${createHash("sha256").update(jwk).digest("hex")}`;
}

/** ML-DSA-65 signature (hedged, empty context) over `message`. */
export function signMlDsa(message: Uint8Array, key: MlDsaKeyPair): Uint8Array {
  return ml_dsa65.sign(message, key.secretKey);
}

/** Whether `signature` is a valid ML-DSA-65 signature over `message` under `publicKey`; never throws on bad input. */
export function mlDsaVerifies(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== MLDSA_SIGNATURE_BYTES || publicKey.length !== MLDSA_PUBLIC_KEY_BYTES) return false;
  try {
    return ml_dsa65.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}
