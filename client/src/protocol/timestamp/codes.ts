import { ProtocolError } from "../errors";

/**
 * Stable codes of RFC 3161 timestamp failures. A bundle verifier reports any of them as FAILURE_TIMESTAMP_INVALID
 * (the seed vocabulary) and keeps the specific code as detail; FAILURE_TIMESTAMP_TSA_UNAVAILABLE is the client's.
 */
export const TIMESTAMP_CODES = {
  /** Not a DER TimeStampResp / TimeStampToken, trailing bytes, or a structure RFC 3161 forbids. */
  MALFORMED: "FAILURE_TIMESTAMP_MALFORMED",
  /** The TSA's status is not granted / grantedWithMods. */
  NOT_GRANTED: "FAILURE_TIMESTAMP_NOT_GRANTED",
  /** The messageImprint is not the expected digest under the expected hash algorithm. */
  IMPRINT_MISMATCH: "FAILURE_TIMESTAMP_IMPRINT_MISMATCH",
  /** The nonce differs from the request's. */
  NONCE_MISMATCH: "FAILURE_TIMESTAMP_NONCE_MISMATCH",
  /** The CMS signature, its messageDigest or its ESS signing-certificate binding does not verify. */
  SIGNATURE_INVALID: "FAILURE_TIMESTAMP_SIGNATURE_INVALID",
  /** The signer does not chain to a pinned TSA anchor, or a certificate on the path is not a CA. */
  UNTRUSTED: "FAILURE_TIMESTAMP_UNTRUSTED",
  /** The signer certificate lacks the critical extendedKeyUsage id-kp-timeStamping (and only it). */
  EKU_INVALID: "FAILURE_TIMESTAMP_EKU_INVALID",
  /** genTime is outside a certificate's validity on the path. */
  TIME_INVALID: "FAILURE_TIMESTAMP_TIME_INVALID",
  /** The TSA could not be reached or answered something other than a TimeStampResp. */
  TSA_UNAVAILABLE: "FAILURE_TIMESTAMP_TSA_UNAVAILABLE",
} as const;

export type TimestampErrorCode = (typeof TIMESTAMP_CODES)[keyof typeof TIMESTAMP_CODES];

/** A typed timestamp failure. */
export function timestampError(code: TimestampErrorCode, message: string, cause?: unknown): ProtocolError {
  return new ProtocolError(code, message, cause === undefined ? undefined : { cause });
}
