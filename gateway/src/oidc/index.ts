export { type GitHubClaims, githubClaimsSchema, parseGitHubClaims } from "./claims";
export { OIDC_ERROR_STATUS, type OidcErrorCode } from "./codes";
export { verifyWorkflowCommit } from "./commit";
export { type PolicyIdentity, verifyRunnerIdentity } from "./identity";
export { type JtiStore, MemoryJtiStore, type MemoryJtiStoreOptions, verifyFreshJti } from "./jti";
export { type JwksSource, type RemoteJwksOptions, createJwksSource } from "./jwks";
export { type PermitRunBinding, verifyRunBinding } from "./run";
export { MAX_LEEWAY_SECONDS, type VerifyTokenOptions, verifyRunnerToken } from "./verifyToken";
