/**
 * Error codes of the attestation helper (all thrown as `ProtocolError`). Failures found by `@sigstore/verify`
 * keep the library's own code unchanged (see `SIGSTORE_VERIFY_CODES`), so a caller can tell exactly which
 * Sigstore check failed.
 */
export const ATTEST_CODES = {
  /** certificate.json is not JSON, not JCS-canonical, or lacks a field the statement needs. */
  CERTIFICATE_MALFORMED: "ATTEST_CERTIFICATE_MALFORMED",
  /** The OIDC token is not a JWT with a string `sub`, or its audience is not `sigstore`. */
  TOKEN_INVALID: "ATTEST_TOKEN_INVALID",
  /** Neither a Rekor nor a TSA URL was given: the bundle would carry no timestamp. */
  NO_WITNESS: "ATTEST_NO_WITNESS",
  /** Fulcio, Rekor or the TSA refused or failed; the message names the signing client's code. */
  SIGNING_FAILED: "ATTEST_SIGNING_FAILED",
  /** The bundle does not parse as a Sigstore bundle. */
  BUNDLE_MALFORMED: "ATTEST_BUNDLE_MALFORMED",
  /** A well-formed bundle of a kind this verifier does not accept (version, content, key material). */
  BUNDLE_UNSUPPORTED: "ATTEST_BUNDLE_UNSUPPORTED",
  /** The trusted root does not parse into trust material. */
  TRUSTED_ROOT_MALFORMED: "ATTEST_TRUSTED_ROOT_MALFORMED",
  /** Malformed options: a Sigstore endpoint that is not an http(s) URL, an expected digest, an identity. */
  OPTIONS_INVALID: "ATTEST_OPTIONS_INVALID",
  /** The DSSE payload is not an in-toto Statement v1 of the expected shape. */
  STATEMENT_MALFORMED: "ATTEST_STATEMENT_MALFORMED",
  /** The statement's predicateType is not the one expected. */
  PREDICATE_TYPE_MISMATCH: "ATTEST_PREDICATE_TYPE_MISMATCH",
  /** The statement's subject digest is not the expected certificate hash. */
  SUBJECT_DIGEST_MISMATCH: "ATTEST_SUBJECT_DIGEST_MISMATCH",
} as const;

/** The codes `@sigstore/verify` 3.1 throws (VerificationError and PolicyError); passed through unchanged. */
export const SIGSTORE_VERIFY_CODES = [
  "NOT_IMPLEMENTED_ERROR",
  "TLOG_ERROR",
  "TLOG_INCLUSION_PROOF_ERROR",
  "TLOG_INCLUSION_PROMISE_ERROR",
  "TLOG_MISSING_INCLUSION_ERROR",
  "TLOG_BODY_ERROR",
  "CERTIFICATE_ERROR",
  "PUBLIC_KEY_ERROR",
  "SIGNATURE_ERROR",
  "TIMESTAMP_ERROR",
  "UNTRUSTED_SIGNER_ERROR",
] as const;
