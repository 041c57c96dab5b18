export {
  type AttestCertificateOptions,
  DEFAULT_SIGSTORE_TIMEOUT_MS,
  SIGSTORE_AUDIENCE,
  type SigstoreEndpoints,
  attestCertificate,
} from "./attestCertificate";
export { type AttestationBundle, parseAttestationBundle } from "./bundle";
export { ATTEST_CODES, SIGSTORE_VERIFY_CODES } from "./errors";
export { FULCIO_LEGACY_OIDS, FULCIO_OIDS, type FulcioExtensionName, derUtf8String, oidArcs } from "./fulcioExtensions";
export { type SignerIdentity, exactPattern, toVerificationPolicy } from "./identityPolicy";
export {
  CERTIFICATE_SUBJECT_NAME,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_TYPE,
  STEP_CERTIFICATE_PREDICATE_TYPE,
  STEP_PREDICATE_FIELDS,
  type StepCertificatePredicate,
  type StepStatement,
  buildStepStatement,
  readCertificatePredicate,
} from "./statement";
export {
  type CertificateAuthorityJson,
  TRUSTED_ROOT_MEDIA_TYPES,
  type TimeRangeJson,
  type TransparencyLogInstanceJson,
  type TrustedRootJson,
  loadTrustMaterial,
} from "./trustedRoot";
export {
  type VerifiedAttestation,
  type VerifyAttestationOptions,
  verifyAttestationBundle,
} from "./verifyAttestationBundle";
export { DEFAULT_THRESHOLDS, type VerificationThresholds, verifySigstoreBundle } from "./verifySigstore";
export {
  type InTotoStatement,
  normalizeSha256,
  readStatement,
  verifyPredicateType,
  verifyStepPredicate,
  verifySubjectDigest,
} from "./verifyStatement";
