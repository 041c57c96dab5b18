/** The runner role: OIDC token, session and permit, caps, the checked step, its certificate and evidence. */
export { type StepCommand, type StepOutputs, StepEnv, runStepCommand } from "./command";
export { OidcRequestError, RunnerErrorCode } from "./errors";
export {
  EvidenceFile,
  type InputEvidence,
  type StepEvidenceFiles,
  type StepInputSource,
  evidenceExists,
  evidenceFolder,
  stepEvidenceDir,
  writeGenesisState,
  writeStepAttestation,
  writeStepEvidence,
} from "./evidence";
export {
  ID_TOKEN_REQUEST_TOKEN_ENV,
  ID_TOKEN_REQUEST_URL_ENV,
  type IdTokenRequest,
  type IdTokenSource,
  getIdToken,
  idTokenSourceFromEnv,
} from "./idToken";
export {
  type InputCertificateVerifier,
  type InputExpectation,
  type VerifiedInput,
  loadVerifiedInput,
  verifyInputAttestation,
  verifyInputCertificateFields,
  verifyInputStateHash,
} from "./input";
export { offerIdOf } from "./offerOf";
export {
  type PermitExpectation,
  parsePermitJson,
  permitDigestOf,
  verifyPermitForRunner,
  verifyPermitRun,
} from "./permit";
export { type ObtainedCaps, type RequestCapsOptions, requestCaps } from "./requestCaps";
export { type Backoff, DEFAULT_BACKOFF, type Sleep, realSleep } from "./retry";
export { runIdentityFromToken } from "./runIdentity";
export { type Attest, type RunStepOptions, type StepResult, runStep, stepTimeoutMs } from "./runStep";
export { type OpenSessionOptions, type WaitForPermitOptions, openRunnerSession, waitForPermit } from "./session";
