import { GatewayError } from "../errors";

/**
 * Every refusal the OIDC checks can raise, with the HTTP status it maps to. 401: the token itself is not
 * acceptable (the runner may fetch a fresh one). 403: a valid token from a run this entitlement does not
 * admit. 503: a dependency is down and nothing is released. 500: the gateway is misconfigured.
 */
export const OIDC_ERROR_STATUS = {
  TOKEN_MISSING: 401,
  TOKEN_MALFORMED: 401,
  TOKEN_ALG_NOT_ALLOWED: 401,
  TOKEN_KID_UNKNOWN: 401,
  TOKEN_SIGNATURE_INVALID: 401,
  TOKEN_ISSUER_MISMATCH: 401,
  TOKEN_AUDIENCE_MISMATCH: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_NOT_YET_VALID: 401,
  TOKEN_IAT_INVALID: 401,
  TOKEN_CLAIM_INVALID: 401,
  TOKEN_REPLAYED: 401,
  IDENTITY_ISSUER_MISMATCH: 403,
  IDENTITY_AUDIENCE_MISMATCH: 403,
  IDENTITY_REPOSITORY_MISMATCH: 403,
  IDENTITY_REPOSITORY_ID_MISMATCH: 403,
  IDENTITY_WORKFLOW_MISMATCH: 403,
  IDENTITY_REF_NOT_ALLOWED: 403,
  IDENTITY_EVENT_MISMATCH: 403,
  IDENTITY_RUNNER_MISMATCH: 403,
  COMMIT_MISMATCH: 403,
  SHA_MISMATCH: 403,
  RUN_UNBOUND_NOT_ALLOWED: 403,
  RUN_ID_MISMATCH: 403,
  RUN_ATTEMPT_MISMATCH: 403,
  JWKS_UNAVAILABLE: 503,
  JTI_STORE_FULL: 503,
  OIDC_CONFIG_INVALID: 500,
} as const;

/** A stable code of the OIDC checks. */
export type OidcErrorCode = keyof typeof OIDC_ERROR_STATUS;

/** The `GatewayError` for `code`, with the status the table above assigns it. */
export function oidcError(code: OidcErrorCode, message: string, cause?: unknown): GatewayError {
  return new GatewayError(code, OIDC_ERROR_STATUS[code], message, cause === undefined ? undefined : { cause });
}

/**
 * A claim value as it may appear in a message: JSON-quoted and cut to 120 characters. Values shown are
 * claims of a token whose signature already verified, never the token, a key or a secret.
 */
export function shown(value: unknown): string {
  const text = value === undefined ? "nothing" : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
