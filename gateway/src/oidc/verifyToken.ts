import { type CryptoKey, errors, jwtVerify, type JWTPayload } from "jose";
import type { Clock } from "../../../client/src/protocol/clock";
import { type GitHubClaims, parseGitHubClaims } from "./claims";
import { oidcError, shown } from "./codes";
import type { JwksSource } from "./jwks";

/** The largest clock leeway the gateway accepts in its configuration, in seconds. */
export const MAX_LEEWAY_SECONDS = 60;
/** GitHub's tokens are about 1–2 KB; anything much longer is not one. */
const MAX_TOKEN_LENGTH = 16 * 1024;
/** The only signature algorithm GitHub uses and the only one accepted. */
const ALLOWED_ALG = "RS256";
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** What a runner token is verified against. */
export interface VerifyTokenOptions {
  jwks: JwksSource;
  /** The issuer, compared as an exact string (`https://token.actions.githubusercontent.com`). */
  issuer: string;
  /** This gateway's audience (`expectedAudience` of the protocol), compared as an exact string. */
  audience: string;
  clock: Clock;
  /** Allowed clock skew for exp, nbf and iat: a whole number of seconds from 0 to 60. */
  leewaySeconds: number;
}

/** Rejects a configuration the checks below cannot honour (`OIDC_CONFIG_INVALID` 500). */
export function verifyTokenOptions(options: VerifyTokenOptions): void {
  const { leewaySeconds, issuer, audience } = options;
  if (!Number.isInteger(leewaySeconds) || leewaySeconds < 0 || leewaySeconds > MAX_LEEWAY_SECONDS) {
    throw oidcError("OIDC_CONFIG_INVALID", `expected leewaySeconds in 0..${MAX_LEEWAY_SECONDS}, got ${leewaySeconds}`);
  }
  if (issuer.length === 0 || audience.length === 0) {
    throw oidcError("OIDC_CONFIG_INVALID", "expected a non-empty issuer and audience");
  }
}

/** The token as a compact JWS string (`TOKEN_MISSING`, `TOKEN_MALFORMED`). */
export function verifyTokenPresent(token: unknown): string {
  if (token === undefined || token === null || token === "")
    throw oidcError("TOKEN_MISSING", "expected a bearer token");
  if (typeof token !== "string") throw oidcError("TOKEN_MALFORMED", `expected a string token, got ${typeof token}`);
  if (token.length > MAX_TOKEN_LENGTH) {
    throw oidcError("TOKEN_MALFORMED", `expected at most ${MAX_TOKEN_LENGTH} characters, got ${token.length}`);
  }
  if (!COMPACT_JWS.test(token)) throw oidcError("TOKEN_MALFORMED", "expected a compact JWS: three base64url parts");
  return token;
}

/**
 * The header's kid, once its alg is exactly RS256 (`TOKEN_ALG_NOT_ALLOWED`, `TOKEN_MALFORMED`). Runs before
 * any key is looked up, so `none`, HS256 keyed with the issuer's public key, ES256 and the rest never reach
 * a key. Header keys (`jwk`, `jku`, `x5u`, `x5c`) are ignored: the key comes only from the issuer's JWKS.
 */
export function verifyTokenHeader(token: string): { kid: string } {
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(token.slice(0, token.indexOf(".")), "base64url").toString("utf8"));
  } catch (err) {
    throw oidcError("TOKEN_MALFORMED", "expected the header to be base64url JSON", err);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw oidcError("TOKEN_MALFORMED", "expected the header to be a JSON object");
  }
  const { alg, kid } = header as { alg?: unknown; kid?: unknown };
  if (alg !== ALLOWED_ALG) throw oidcError("TOKEN_ALG_NOT_ALLOWED", `expected alg RS256, got ${shown(alg)}`);
  if (typeof kid !== "string" || kid.length === 0 || kid.length > 256) {
    throw oidcError("TOKEN_MALFORMED", "expected the header to name a kid");
  }
  return { kid };
}

/** Maps a jose verification failure to its code; order of checks is jose's: iss, aud, nbf, exp. */
function fromJose(err: unknown): Error {
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return oidcError("TOKEN_SIGNATURE_INVALID", "the signature does not verify against the issuer's key", err);
  }
  if (err instanceof errors.JWTExpired) return oidcError("TOKEN_EXPIRED", "the token has expired", err);
  if (err instanceof errors.JWTClaimValidationFailed) {
    const got = shown(err.payload[err.claim]);
    if (err.claim === "iss") return oidcError("TOKEN_ISSUER_MISMATCH", `unexpected issuer: got ${got}`, err);
    if (err.claim === "aud") return oidcError("TOKEN_AUDIENCE_MISMATCH", `unexpected audience: got ${got}`, err);
    if (err.claim === "nbf" && err.reason === "check_failed") {
      return oidcError("TOKEN_NOT_YET_VALID", "the token is not valid yet (nbf)", err);
    }
    return oidcError("TOKEN_CLAIM_INVALID", `claim ${err.claim}: ${err.reason}`, err);
  }
  return oidcError("TOKEN_MALFORMED", "the token could not be parsed as a JWT", err);
}

/**
 * The payload once the RS256 signature verifies with `key` and iss, aud, nbf and exp pass at the injected
 * time (jose's `currentDate`). Exact string equality for iss and aud: a trailing slash is a mismatch, and an
 * audience list is refused even if it contains ours.
 */
export async function verifySignedClaims(
  token: string,
  key: CryptoKey,
  expected: { issuer: string; audience: string; now: Date; leewaySeconds: number },
): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, key, {
    algorithms: [ALLOWED_ALG],
    issuer: expected.issuer,
    audience: expected.audience,
    currentDate: expected.now,
    clockTolerance: expected.leewaySeconds,
    requiredClaims: ["iss", "aud", "exp", "nbf", "iat", "jti"],
  }).catch((err: unknown) => {
    throw fromJose(err);
  });
  if (payload.aud !== expected.audience) {
    throw oidcError("TOKEN_AUDIENCE_MISMATCH", `expected the single audience ${shown(expected.audience)}`);
  }
  return payload;
}

/** Refuses a token issued in the future beyond the leeway (`TOKEN_IAT_INVALID`). */
export function verifyIssuedAt(payload: JWTPayload, now: Date, leewaySeconds: number): void {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (typeof payload.iat !== "number" || payload.iat > nowSeconds + leewaySeconds) {
    throw oidcError(
      "TOKEN_IAT_INVALID",
      `expected iat at most ${nowSeconds + leewaySeconds}, got ${shown(payload.iat)}`,
    );
  }
}

/**
 * Verifies a runner's GitHub Actions OIDC token, cheapest check first, and returns its claims: presence and
 * shape → alg RS256 → key by kid from the JWKS → signature → iss → aud → nbf → exp → iat → GitHub's claim
 * names and types. Throws `GatewayError` with the code of the first failed check.
 */
export async function verifyRunnerToken(token: unknown, options: VerifyTokenOptions): Promise<GitHubClaims> {
  verifyTokenOptions(options);
  const jwt = verifyTokenPresent(token);
  const { kid } = verifyTokenHeader(jwt);
  const key = await options.jwks.getKey(kid);
  const now = options.clock();
  const expected = { issuer: options.issuer, audience: options.audience, now, leewaySeconds: options.leewaySeconds };
  const payload = await verifySignedClaims(jwt, key, expected);
  verifyIssuedAt(payload, now, options.leewaySeconds);
  return parseGitHubClaims(payload);
}
