import { type KeyObject, createPublicKey } from "node:crypto";
import { compactVerify, decodeProtectedHeader } from "jose";
import type { Address, Hex } from "viem";

import { type Clock, epochSeconds } from "./clock";
import { ProtocolError } from "./errors";
import { type Ed25519PublicJwk, jwkThumbprint } from "./keys";

/** JWS `alg` of every netCap: Ed25519. */
export const NETCAP_ALG = "EdDSA";
/** JWS `typ` of every netCap. */
export const NETCAP_TYP = "swarm-netcap+jwt";
/** `aud` of every netCap: the egress services that enforce its routes. */
export const NETCAP_AUDIENCE = "swarm-egress";

/** Stable codes of netCap refusals. */
export const NetCapErrorCode = {
  MALFORMED: "NETCAP_MALFORMED",
  HEADER_INVALID: "NETCAP_HEADER_INVALID",
  ALG_INVALID: "NETCAP_ALG_INVALID",
  KEY_UNKNOWN: "NETCAP_KEY_UNKNOWN",
  SIGNATURE_INVALID: "NETCAP_SIGNATURE_INVALID",
  CLAIMS_INVALID: "NETCAP_CLAIMS_INVALID",
  ISSUER_MISMATCH: "NETCAP_ISSUER_MISMATCH",
  AUDIENCE_MISMATCH: "NETCAP_AUDIENCE_MISMATCH",
  MARKET_MISMATCH: "NETCAP_MARKET_MISMATCH",
  CHAIN_MISMATCH: "NETCAP_CHAIN_MISMATCH",
  EXPIRED: "NETCAP_EXPIRED",
  NOT_YET_VALID: "NETCAP_NOT_YET_VALID",
} as const;

/** A netCap's claims. Integers are decimal strings, except the JWT NumericDates `iat` and `exp` (RFC 7519). */
export interface NetCapClaims {
  /** `eip155:<chainId>:<gateway lowercase>`. */
  readonly iss: string;
  readonly aud: typeof NETCAP_AUDIENCE;
  /** The market address, lowercase. */
  readonly market: Address;
  readonly chainId: string;
  readonly entitlementId: string;
  readonly step: string;
  /** The policy capsule's egress rules, exactly as the capsule lists them. */
  readonly routes: readonly Readonly<Record<string, unknown>>[];
  readonly iat: number;
  /** Never after the step's consumedAt + stepTimeout. */
  readonly exp: number;
  /** The consumed permit's EIP-712 digest. */
  readonly jti: Hex;
}

/** The protected header of every netCap. */
export interface NetCapHeader {
  readonly alg: typeof NETCAP_ALG;
  readonly typ: typeof NETCAP_TYP;
  /** RFC 7638 thumbprint (0x hex) of the gateway's Ed25519 netCap public key, as announced in GatewayKeys. */
  readonly kid: Hex;
}

/** What a netCap must have been issued for, and the keys its issuer may have signed it with. */
export interface NetCapExpectation {
  /** The issuer's netCap public keys (from its verified GatewayKeys); the header's kid selects one. */
  readonly keys: readonly Ed25519PublicJwk[];
  readonly issuer: string;
  readonly market: Address;
  readonly chainId: bigint;
  readonly clock: Clock;
  /** Clock skew tolerated on iat and exp, in seconds (default 0, at most 60). */
  readonly leewaySeconds?: number;
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;
const LOWER_ADDRESS = /^0x[0-9a-f]{40}$/;
const BYTES32 = /^0x[0-9a-f]{64}$/;
const CLAIM_NAMES = ["aud", "chainId", "entitlementId", "exp", "iat", "iss", "jti", "market", "routes", "step"];

/** Whether `o` has exactly the member names `sorted` (given in sorted order), compared one by one. */
function hasExactly(o: object, sorted: readonly string[]): boolean {
  const names = Object.keys(o).sort();
  return names.length === sorted.length && names.every((n, i) => n === sorted[i]);
}

function fail(code: string, message: string, cause?: unknown): never {
  throw new ProtocolError(code, message, cause === undefined ? undefined : { cause });
}

/** The issuer id of a gateway: `eip155:<chainId>:<gateway lowercase>`. */
export function netCapIssuer(chainId: bigint, gateway: Address): string {
  return `eip155:${chainId}:${gateway.toLowerCase()}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Checks the protected header: exactly alg EdDSA, typ swarm-netcap+jwt and a bytes32 kid; nothing else. */
export function verifyNetCapHeader(token: string): NetCapHeader {
  let header: Record<string, unknown>;
  try {
    if (token.split(".").length !== 3) throw new Error("expected three segments");
    header = decodeProtectedHeader(token);
  } catch (cause) {
    fail(NetCapErrorCode.MALFORMED, "expected a compact JWS", cause);
  }
  if (header.alg !== NETCAP_ALG) fail(NetCapErrorCode.ALG_INVALID, `expected alg ${NETCAP_ALG}`);
  if (header.typ !== NETCAP_TYP) fail(NetCapErrorCode.HEADER_INVALID, `expected typ ${NETCAP_TYP}`);
  if (typeof header.kid !== "string" || !BYTES32.test(header.kid)) {
    fail(NetCapErrorCode.HEADER_INVALID, "expected kid to be a 0x-prefixed lowercase bytes32 thumbprint");
  }
  const extra = Object.keys(header).filter((k) => k !== "alg" && k !== "typ" && k !== "kid");
  if (extra.length > 0) fail(NetCapErrorCode.HEADER_INVALID, `expected only alg, typ, kid, got ${extra.join(",")}`);
  return { alg: NETCAP_ALG, typ: NETCAP_TYP, kid: header.kid as Hex };
}

/** The key whose thumbprint is `kid` among the issuer's keys (`NETCAP_KEY_UNKNOWN` when none). */
export function selectNetCapKey(kid: Hex, keys: readonly Ed25519PublicJwk[]): KeyObject {
  const jwk = keys.find((k) => jwkThumbprint(k) === kid);
  if (jwk === undefined) fail(NetCapErrorCode.KEY_UNKNOWN, "the netCap's kid names none of the issuer's keys");
  return createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, format: "jwk" });
}

/** Verifies the EdDSA signature (no other algorithm) and returns the signed payload bytes. */
export async function verifyNetCapSignature(token: string, key: KeyObject): Promise<Uint8Array> {
  try {
    const { payload } = await compactVerify(token, key, { algorithms: [NETCAP_ALG] });
    return payload;
  } catch (cause) {
    fail(NetCapErrorCode.SIGNATURE_INVALID, "the netCap's signature does not verify under the issuer's key", cause);
  }
}

/** Parses the payload into claims: exactly the netCap claim names, each of its type and encoding. */
export function parseNetCapClaims(payload: Uint8Array): NetCapClaims {
  let c: unknown;
  try {
    c = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
  } catch (cause) {
    fail(NetCapErrorCode.CLAIMS_INVALID, "expected a JSON claims object", cause);
  }
  const bad = (what: string): never => fail(NetCapErrorCode.CLAIMS_INVALID, `expected ${what}`);
  if (!isPlainObject(c)) return bad("a JSON claims object");
  if (!hasExactly(c, CLAIM_NAMES)) bad(`exactly the claims ${CLAIM_NAMES.join(", ")}`);
  if (typeof c.iss !== "string" || typeof c.aud !== "string") bad("iss and aud strings");
  if (typeof c.market !== "string" || !LOWER_ADDRESS.test(c.market)) bad("market as a lowercase address");
  for (const name of ["chainId", "entitlementId", "step"] as const) {
    const v = c[name];
    if (typeof v !== "string" || !DECIMAL.test(v)) bad(`${name} as a decimal string`);
  }
  if (!Array.isArray(c.routes) || !c.routes.every(isPlainObject)) bad("routes as an array of objects");
  for (const name of ["iat", "exp"] as const) {
    const v = c[name];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) bad(`${name} as a NumericDate integer`);
  }
  if ((c.exp as number) <= (c.iat as number)) bad("exp after iat");
  if (typeof c.jti !== "string" || !BYTES32.test(c.jti)) bad("jti as a lowercase bytes32 permit digest");
  return c as unknown as NetCapClaims;
}

/** Checks iss, aud, market and chainId exactly against what the verifier expects. */
export function verifyNetCapBinding(claims: NetCapClaims, expected: NetCapExpectation): void {
  if (claims.iss !== expected.issuer) fail(NetCapErrorCode.ISSUER_MISMATCH, `expected iss ${expected.issuer}`);
  if (claims.aud !== NETCAP_AUDIENCE) fail(NetCapErrorCode.AUDIENCE_MISMATCH, `expected aud ${NETCAP_AUDIENCE}`);
  if (claims.market !== expected.market.toLowerCase()) {
    fail(NetCapErrorCode.MARKET_MISMATCH, `expected market ${expected.market.toLowerCase()}, got ${claims.market}`);
  }
  if (claims.chainId !== expected.chainId.toString()) {
    fail(NetCapErrorCode.CHAIN_MISMATCH, `expected chainId ${expected.chainId}, got ${claims.chainId}`);
  }
}

/** Checks the validity window: usable iff iat ≤ now + leeway and now < exp + leeway. */
export function verifyNetCapTime(claims: NetCapClaims, clock: Clock, leewaySeconds = 0): void {
  if (!Number.isInteger(leewaySeconds) || leewaySeconds < 0 || leewaySeconds > 60) {
    throw new RangeError(`expected leewaySeconds in [0, 60], got ${leewaySeconds}`);
  }
  const now = epochSeconds(clock);
  if (now >= claims.exp + leewaySeconds) fail(NetCapErrorCode.EXPIRED, `expired at ${claims.exp}, now ${now}`);
  if (claims.iat > now + leewaySeconds) fail(NetCapErrorCode.NOT_YET_VALID, `issued at ${claims.iat}, now ${now}`);
}

/**
 * Verifies a netCap for an egress service: header, key by kid, EdDSA signature, claim shapes, then iss, aud,
 * market, chainId and time exactly. Returns the claims; the caller enforces `routes` on every request.
 */
export async function verifyNetCap(token: string, expected: NetCapExpectation): Promise<NetCapClaims> {
  const header = verifyNetCapHeader(token);
  const key = selectNetCapKey(header.kid, expected.keys);
  const claims = parseNetCapClaims(await verifyNetCapSignature(token, key));
  verifyNetCapBinding(claims, expected);
  verifyNetCapTime(claims, expected.clock, expected.leewaySeconds);
  return claims;
}
