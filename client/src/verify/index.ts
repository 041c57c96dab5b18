export * from "./service/api";
export {
  VERIFIER_CLIENT_TIMEOUT_MS,
  type VerifierClient,
  VerifierClientErrorCode,
  VerifierRequestError,
  createVerifierClient,
} from "./service/client";
export { type Answer, type VerifierServiceDeps, handleAttestation, handleHealth } from "./service/handler";
export {
  type VerifierLog,
  type VerifierServer,
  type VerifierServerOptions,
  startVerifierServer,
} from "./service/server";
export {
  CHECK_STATUSES,
  type CheckReport,
  type CheckStatus,
  REPORT_VERSION,
  type RunReport,
  type StepReport,
  VERIFY_RESULTS,
  type VerifyResult,
  runReportSchema,
  stepReportSchema,
  worstResult,
} from "./report";
export { SIGSTORE_CODE_MAP, UncheckedCode, VerifyCode, type VerifyFailureCode } from "./codes";
export { CheckUnchecked, VerifyFailure } from "./failure";
export {
  INSTANCE_KINDS,
  type InstanceKind,
  KIND_THRESHOLDS,
  type PinnedRoot,
  type PinnedRootInput,
  type PinnedTrust,
  TRUST_CONFIG_INVALID,
  pinTrustRoots,
  rootsForBundle,
} from "./pinnedTrust";
export {
  ACCEPTED_BUNDLE_MEDIA_TYPES,
  type BundleProfile,
  type ParsedBundle,
  type SigstoreVerified,
  parseSigstoreBundle,
  verifySigstoreSignature,
} from "./sigstoreLayer";
export {
  ALLOWED_PAYLOAD_TYPES,
  type ExpectedSubject,
  STEP_PREDICATE_TYPES,
  type Statement,
  readStatement,
  stepSubject,
  verifyPredicateType,
  verifyStepPredicate,
  verifySubject,
} from "./statementLayer";
export {
  type ExpectedIdentity,
  type LeafIdentity,
  decodeDerUtf8,
  leafIdentity,
  verifyBuildCommit,
  verifyIdentity,
  verifyIssuer,
  verifyRunInvocation,
  verifyRunnerEnvironment,
  verifySan,
  verifySourceRepository,
} from "./identityLayer";
export { GITHUB_URL, stepIdentity, verifyRunAgainstPolicy } from "./stepIdentity";
export { type ChainFacts, type ConsumedFacts, type OfferFacts, type StepRecord, fetchChainFacts } from "./chainFacts";
export { ChainFactsCache, type ChainFactsCacheOptions, DEFAULT_FINALITY_DEPTH } from "./chainFactsCache";
export {
  CHAIN_FACTS_FILE,
  CHAIN_FACTS_VERSION,
  type RecordedChainFacts,
  parseRecordedChainFacts,
  recordChainFacts,
} from "./recordedChainFacts";
export { POLICY_FILE, type PolicyStore, capsuleFor, policyStoreOf } from "./policyStore";
export {
  type ContinuityInput,
  type StepRef,
  parseStepCertificate,
  verifyCertificateOffer,
  verifyCertificatePermit,
  verifyCertificateScope,
  verifyOutputHashes,
  verifyStepContinuity,
} from "./certificateChecks";
export { Checklist, INTERNAL_ERROR } from "./checklist";
export { STEP_FILES } from "./stepInputs";
export { type StepEvidence, type StepVerification, type VerifierConfig, verifyStep } from "./verifyStep";
export { type RunEvidence, type RunVerification, verifyRun } from "./verifyRun";
export { EVIDENCE_FILE_MAX_BYTES, EVIDENCE_UNREADABLE, readRunEvidence, readStepFolder } from "./evidenceReader";
export {
  type AttestationRecord,
  AttestationStoreCode,
  type SignedAttestation,
  readAttestationRecord,
  recordPath,
  signAttestationOnce,
} from "./attestationStore";
export { AttestRefusalCode, attestVerifiedStep } from "./attestStep";
