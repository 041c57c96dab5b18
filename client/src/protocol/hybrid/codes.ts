import { ProtocolError } from "../errors";

/**
 * Stable codes of hybrid (Ed25519 + ML-DSA-65) signature failures. A bundle verifier reports the *_INVALID,
 * *_MISMATCH and *_MALFORMED ones as FAILURE_SIGNATURE_INVALID and HYBRID_KEY_MISSING as indeterminate.
 */
export const HYBRID_CODES = {
  /** The signatures array is not [Ed25519] or [Ed25519, ML-DSA-65] in the exact shape. */
  ENVELOPE_MALFORMED: "HYBRID_ENVELOPE_MALFORMED",
  /** The Ed25519 signature does not verify over the PAE. */
  ED25519_INVALID: "HYBRID_ED25519_INVALID",
  /** A signature names a key other than the pinned one. */
  KEYID_MISMATCH: "HYBRID_KEYID_MISMATCH",
  /** The ML-DSA-65 signature does not verify over the PAE. */
  MLDSA_INVALID: "HYBRID_MLDSA_INVALID",
  /** The policy requires both signatures and the envelope carries only Ed25519. */
  SIGNATURE_MISSING: "HYBRID_SIGNATURE_MISSING",
  /** The policy requires both signatures and the verifier was given no ML-DSA key to check the second with. */
  KEY_MISSING: "HYBRID_KEY_MISSING",
  /** An ML-DSA key or seed of the wrong form. */
  KEY_INVALID: "HYBRID_KEY_INVALID",
} as const;

export type HybridErrorCode = (typeof HYBRID_CODES)[keyof typeof HYBRID_CODES];

/** A typed hybrid-signature failure. */
export function hybridError(code: HybridErrorCode, message: string): ProtocolError {
  return new ProtocolError(code, message);
}
