/**
 * Verification failure codes. The first nine are the seed vocabulary, exactly; the next seven are the design's
 * additions. A `failed` check carries one of them and makes the result `invalid`.
 */
export const VerifyCode = {
  REQUIRED_FIELD_MISSING: "FAILURE_REQUIRED_FIELD_MISSING",
  BUNDLE_MALFORMED: "FAILURE_BUNDLE_MALFORMED",
  HASH_MISMATCH: "FAILURE_HASH_MISMATCH",
  SIGNATURE_INVALID: "FAILURE_SIGNATURE_INVALID",
  DIGEST_MISMATCH: "FAILURE_DIGEST_MISMATCH",
  SCHEMA_VERSION_UNSUPPORTED: "FAILURE_SCHEMA_VERSION_UNSUPPORTED",
  WITNESS_INVALID: "FAILURE_WITNESS_INVALID",
  WITNESS_LINEAGE_MISMATCH: "FAILURE_WITNESS_LINEAGE_MISMATCH",
  WITNESS_QUORUM_UNSATISFIED: "FAILURE_WITNESS_QUORUM_UNSATISFIED",
  COMMIT_MISMATCH: "FAILURE_COMMIT_MISMATCH",
  POLICY_MISMATCH: "FAILURE_POLICY_MISMATCH",
  IDENTITY_MISMATCH: "FAILURE_IDENTITY_MISMATCH",
  PERMIT_MISMATCH: "FAILURE_PERMIT_MISMATCH",
  CONTINUITY_BROKEN: "FAILURE_CONTINUITY_BROKEN",
  INCLUSION_INVALID: "FAILURE_INCLUSION_INVALID",
  TIMESTAMP_INVALID: "FAILURE_TIMESTAMP_INVALID",
} as const;

/** A verification failure code. */
export type VerifyFailureCode = (typeof VerifyCode)[keyof typeof VerifyCode];

/**
 * The project's codes of checks that could not be completed (status `unchecked`). The first two make a result
 * `indeterminate`; a recorded chain fact only does when the verification policy requires chain facts from an RPC.
 */
export const UncheckedCode = {
  /** No pinned trusted root for this kind of bundle (public-good with tlog, or GitHub's instance with a TSA). */
  TRUST_ROOT_MISSING: "INDETERMINATE_TRUST_ROOT_MISSING",
  /** The offer's policy capsule (by its hash) is not at hand. */
  POLICY_CAPSULE_MISSING: "INDETERMINATE_POLICY_CAPSULE_MISSING",
  /** Neither an RPC nor recorded chain facts: the offer and the consumed permit are unknown. */
  CHAIN_FACTS_MISSING: "INDETERMINATE_CHAIN_FACTS_MISSING",
  /** Chain facts came from recorded evidence, not from an RPC: the checks ran, against unconfirmed facts. */
  CHAIN_FACTS_RECORDED: "UNCHECKED_CHAIN_FACTS_RECORDED",
  /** The genesis state was not supplied: stateIn of a step from genesis is not compared. */
  GENESIS_STATE_ABSENT: "UNCHECKED_GENESIS_STATE_ABSENT",
} as const;

/** `@sigstore/verify` 3.1's codes, mapped to the verification vocabulary. */
export const SIGSTORE_CODE_MAP: Readonly<Record<string, VerifyFailureCode>> = {
  SIGNATURE_ERROR: VerifyCode.SIGNATURE_INVALID,
  CERTIFICATE_ERROR: VerifyCode.SIGNATURE_INVALID,
  PUBLIC_KEY_ERROR: VerifyCode.SIGNATURE_INVALID,
  UNTRUSTED_SIGNER_ERROR: VerifyCode.IDENTITY_MISMATCH,
  TIMESTAMP_ERROR: VerifyCode.TIMESTAMP_INVALID,
  TLOG_ERROR: VerifyCode.INCLUSION_INVALID,
  TLOG_INCLUSION_PROOF_ERROR: VerifyCode.INCLUSION_INVALID,
  TLOG_INCLUSION_PROMISE_ERROR: VerifyCode.INCLUSION_INVALID,
  TLOG_MISSING_INCLUSION_ERROR: VerifyCode.INCLUSION_INVALID,
  TLOG_BODY_ERROR: VerifyCode.INCLUSION_INVALID,
  NOT_IMPLEMENTED_ERROR: VerifyCode.SCHEMA_VERSION_UNSUPPORTED,
};
