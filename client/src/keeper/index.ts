/** The keeper: follows consumed steps and claims, finalizes, settles lapsed disputes and reclaims them. */
export { ALREADY_DONE, type ActionResult, sendClaim, sendFinalize, sendReclaim, sendSettleLapsed } from "./actions";
export {
  type AttestationAnswer,
  type AttestationAsk,
  type AttestationSource,
  httpAttestationSource,
} from "./attestationSource";
export { DEFAULT_KEEPER_BACKOFF, type KeeperBackoff, RetryBook, backoffMs } from "./backoff";
export { type ClaimContext, type ClaimOutcome, claimStep } from "./claimStep";
export { type ConsumedStep, type MarketRef, stepKey } from "./consumedStep";
export { recoverConsumedPermit } from "./consumedPermit";
export {
  CURSOR_VERSION,
  type CursorStore,
  type KeeperCursor,
  fileCursorStore,
  memoryCursorStore,
  parseCursor,
  serializeCursor,
} from "./cursor";
export { KeeperErrorCode } from "./errors";
export { folderEvidenceSource } from "./evidence/folder";
export { type GithubEvidenceOptions, evidenceArtifactName, githubEvidenceSource } from "./evidence/github";
export { EVIDENCE_MAX_FILES, EVIDENCE_MAX_FILE_BYTES, type EvidenceSource, type StepFiles } from "./evidence/source";
export { type ZipLimits, readZip } from "./evidence/zip";
export { findConsumed, safeHead, scanConsumed } from "./follow";
export { Keeper, pendingKeys } from "./keeper";
export { type FollowOptions, followCursor } from "./followCursor";
export type { KeeperAction, KeeperEvent, KeeperOptions, TickReport } from "./options";
export { type KeeperMetrics, createKeeperMetrics } from "./metrics";
export { type MetricsServer, startMetricsServer } from "./metricsServer";
export {
  type ExpectedAttestation,
  type Quorum,
  ascending,
  attestationMatches,
  attestationSigner,
  collectQuorum,
} from "./quorum";
