export {
  type ClaimSet,
  GITHUB_CLAIMS_SUPPORTED,
  NOT_BEFORE_SKEW_SECONDS,
  TOKEN_LIFETIME_SECONDS,
  defaultAudience,
  githubClaimsFor,
  subjectFor,
} from "./claims";
export { type DevOidcIssuer, type DevOidcIssuerOptions, type RunCredentials, startDevOidcIssuer } from "./issuer";
export type { MintOptions } from "./mint";
export { JWKS_PATH, OPENID_CONFIGURATION_PATH, TOKEN_API_VERSION, TOKEN_PATH } from "./routes";
export { DEFAULT_RUN_CONTEXT, type GitHubRunContext, resolveRunContext } from "./runContext";
export { signCompactJws } from "./signJwt";
