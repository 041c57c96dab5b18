import { createRemoteJWKSet, decodeJwt, errors, jwtVerify } from "jose";

import type { Clock } from "../../client/src/protocol/clock";
import { type GitHubWorkflowClaims, githubWorkflowClaims } from "./githubExtensions";
import { SigstoreRefusal } from "./http";

/** The audience Fulcio requires. */
export const FULCIO_AUDIENCE = "sigstore";

/** Why Fulcio refused an identity token. */
export const TOKEN_CODES = {
  MALFORMED: "FULCIO_TOKEN_MALFORMED",
  ISSUER_MISMATCH: "FULCIO_TOKEN_ISSUER_MISMATCH",
  SIGNATURE_INVALID: "FULCIO_TOKEN_SIGNATURE_INVALID",
  AUDIENCE_MISMATCH: "FULCIO_TOKEN_AUDIENCE_MISMATCH",
  EXPIRED: "FULCIO_TOKEN_EXPIRED",
  NOT_YET_VALID: "FULCIO_TOKEN_NOT_YET_VALID",
  CLAIMS_INVALID: "FULCIO_TOKEN_CLAIMS_INVALID",
  JWKS_UNAVAILABLE: "FULCIO_JWKS_UNAVAILABLE",
} as const;

/** The single OIDC issuer the devnet Fulcio trusts. */
export interface TrustedIssuer {
  /** Compared exactly with the token's `iss`. */
  issuer: string;
  jwksUri: string;
}

const refuse = (code: string, message: string, cause?: unknown) =>
  new SigstoreRefusal(401, code, message, cause === undefined ? {} : { cause });

/** Maps a jose failure to a refusal; JWKS transport failures are 503, not the caller's fault. */
function fromJose(err: unknown): SigstoreRefusal {
  if (err instanceof errors.JWTExpired) return refuse(TOKEN_CODES.EXPIRED, "the token has expired", err);
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === "aud") return refuse(TOKEN_CODES.AUDIENCE_MISMATCH, `expected aud ${FULCIO_AUDIENCE}`, err);
    if (err.claim === "nbf") return refuse(TOKEN_CODES.NOT_YET_VALID, "the token is not valid yet", err);
    if (err.claim === "iss") return refuse(TOKEN_CODES.ISSUER_MISMATCH, "unexpected issuer", err);
    return refuse(TOKEN_CODES.CLAIMS_INVALID, `claim ${err.claim}: ${err.reason}`, err);
  }
  if (
    err instanceof errors.JWSSignatureVerificationFailed ||
    err instanceof errors.JWKSNoMatchingKey ||
    err instanceof errors.JOSEAlgNotAllowed ||
    err instanceof errors.JWSInvalid ||
    err instanceof errors.JWTInvalid
  ) {
    return refuse(TOKEN_CODES.SIGNATURE_INVALID, "the token does not verify against the issuer's keys", err);
  }
  return new SigstoreRefusal(503, TOKEN_CODES.JWKS_UNAVAILABLE, "the issuer's JWKS is unavailable", { cause: err });
}

/**
 * A verifier for identity tokens, as Fulcio checks them: the unverified `iss` selects the issuer (only the
 * configured one is known), then the RS256 signature against its JWKS, `aud` = `sigstore`, exp and nbf at the
 * injected time with no leeway, and the GitHub workflow claims the certificate is built from.
 */
export function createIdentityTokenVerifier(trusted: TrustedIssuer, clock: Clock) {
  const jwks = createRemoteJWKSet(new URL(trusted.jwksUri));
  return async function verifyIdentityToken(token: string): Promise<GitHubWorkflowClaims> {
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch (err) {
      throw refuse(TOKEN_CODES.MALFORMED, "expected a JWT", err);
    }
    if (iss !== trusted.issuer) throw refuse(TOKEN_CODES.ISSUER_MISMATCH, `unknown issuer ${JSON.stringify(iss)}`);
    const { payload } = await jwtVerify(token, jwks, {
      issuer: trusted.issuer,
      audience: FULCIO_AUDIENCE,
      algorithms: ["RS256"],
      currentDate: clock(),
      requiredClaims: ["exp", "iat", "sub"],
    }).catch((err: unknown) => {
      throw fromJose(err);
    });
    const parsed = githubWorkflowClaims.safeParse(payload);
    if (!parsed.success) {
      const missing = parsed.error.issues.map((i) => i.path.join(".")).join(", ");
      throw refuse(TOKEN_CODES.CLAIMS_INVALID, `expected GitHub workflow claims, missing or invalid: ${missing}`);
    }
    return parsed.data;
  };
}
