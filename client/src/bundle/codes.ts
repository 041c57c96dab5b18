import { ProtocolError } from "../protocol/errors";

/**
 * The failure vocabulary of bundle verification: the seed codes exactly (FAILURE_REQUIRED_FIELD_MISSING …
 * FAILURE_WITNESS_QUORUM_UNSATISFIED) plus the project's additions that bundles use.
 */
export const BUNDLE_FAILURE_CODES = [
  "FAILURE_REQUIRED_FIELD_MISSING",
  "FAILURE_BUNDLE_MALFORMED",
  "FAILURE_HASH_MISMATCH",
  "FAILURE_SIGNATURE_INVALID",
  "FAILURE_DIGEST_MISMATCH",
  "FAILURE_SCHEMA_VERSION_UNSUPPORTED",
  "FAILURE_WITNESS_INVALID",
  "FAILURE_WITNESS_LINEAGE_MISMATCH",
  "FAILURE_WITNESS_QUORUM_UNSATISFIED",
  "FAILURE_IDENTITY_MISMATCH",
  "FAILURE_CONTINUITY_BROKEN",
  "FAILURE_INCLUSION_INVALID",
  "FAILURE_TIMESTAMP_INVALID",
] as const;

/** One failure code a bundle check may report. */
export type BundleFailureCode = (typeof BUNDLE_FAILURE_CODES)[number];

/**
 * Codes of an indeterminate check: the trust material a declared layer needs is not at hand (no pinned issuer, no
 * pinned or claim-bound key, no verifier for the layer).
 */
export const BUNDLE_INDETERMINATE_CODES = ["TRUST_ISSUER_UNPINNED", "TRUST_MATERIAL_MISSING"] as const;

/** One indeterminate code. */
export type BundleIndeterminateCode = (typeof BUNDLE_INDETERMINATE_CODES)[number];

/** A failed bundle check, thrown by a `verifyX` step (through `fail` / `missingTrust`, which type its code). */
export class BundleCheckError extends ProtocolError {}

/** Throws a BundleCheckError with `code`. */
export function fail(code: BundleFailureCode, message: string, cause?: unknown): never {
  throw new BundleCheckError(code, message, cause === undefined ? undefined : { cause });
}

/** Throws the indeterminate outcome: the named trust material is missing. */
export function missingTrust(code: BundleIndeterminateCode, message: string): never {
  throw new BundleCheckError(code, message);
}

/** Whether `code` reports an indeterminate (missing trust), not a failure. */
export function isIndeterminateCode(code: string): boolean {
  return (BUNDLE_INDETERMINATE_CODES as readonly string[]).includes(code);
}
