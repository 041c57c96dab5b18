export {
  DEVNET_ORGANIZATION,
  type DevnetPki,
  type IssuedCertificate,
  createDevnetPki,
  issueLeafCertificate,
} from "./certificateAuthority";
export { type CheckpointSigner, originOf, signCheckpoint } from "./checkpoint";
export {
  type DevSigstore,
  type DevSigstoreOptions,
  FULCIO_PREFIX,
  REKOR_PREFIX,
  TSA_PREFIX,
  TSA_TIMESTAMP_PATH,
  startDevSigstore,
} from "./devSigstore";
export { FULCIO_CODES, LEAF_VALIDITY_SECONDS, createSigningCertificate } from "./fulcio";
export {
  GITHUB_SERVER_URL,
  type GitHubWorkflowClaims,
  githubFulcioExtensions,
  githubSan,
  githubWorkflowClaims,
} from "./githubExtensions";
export { HTTP_CODES, SigstoreRefusal } from "./http";
export { FULCIO_AUDIENCE, TOKEN_CODES, type TrustedIssuer, createIdentityTokenVerifier } from "./identityToken";
export { type EcKeyPair, generateEcKeyPair, logIdOf, randomSerialNumber } from "./keys";
export { inclusionProof, leafHash, nodeHash, rootHash } from "./merkle";
export { LOG_CODES, type LogEntry, type TransparencyLog, createTransparencyLog } from "./rekor";
export { ENTRY_CODES, canonicalizeProposedEntry, preAuthEncoding } from "./rekorEntry";
export { TSA_CODES, TSA_POLICY_OID, createTimestampAuthority } from "./timestampAuthority";
export { buildTrustedRoot } from "./trustedRoot";
