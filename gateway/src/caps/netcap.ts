import { type KeyObject, sign } from "node:crypto";
import type { Address, Hex } from "viem";

import { type Clock, epochSeconds } from "../../../client/src/protocol/clock";
import { canonicalJson } from "../../../client/src/protocol/jcs";
import { ed25519PublicJwk, jwkThumbprint } from "../../../client/src/protocol/keys";
import {
  NETCAP_ALG,
  NETCAP_AUDIENCE,
  NETCAP_TYP,
  type NetCapClaims,
  netCapIssuer,
} from "../../../client/src/protocol/netcap";
import { GatewayError } from "../errors";

/** The gateway's netCap signing key and its kid (the RFC 7638 thumbprint announced in GatewayKeys). */
export interface NetCapSigningKey {
  readonly privateKey: KeyObject;
  readonly kid: Hex;
}

/** What a netCap is issued for. */
export interface NetCapRequest {
  readonly chainId: bigint;
  readonly market: Address;
  /** This gateway's address: the issuer is `eip155:<chainId>:<gateway>`. */
  readonly gateway: Address;
  readonly entitlementId: bigint;
  readonly step: number;
  /** The policy capsule's egress rules, copied as given. */
  readonly routes: readonly object[];
  readonly permitDigest: Hex;
  /** Hard upper bound on exp, epoch seconds: the step's consumedAt + stepTimeout. */
  readonly notAfter: bigint;
  /** Optional shorter lifetime: exp = min(iat + lifetimeSeconds, notAfter). */
  readonly lifetimeSeconds?: number;
}

const BYTES32 = /^0x[0-9a-f]{64}$/;

/** Wraps an Ed25519 private key with its kid; refuses any other key type (`CAPS_NETCAP_KEY_INVALID`, 500). */
export function netCapSigningKey(privateKey: KeyObject): NetCapSigningKey {
  if (privateKey.type !== "private" || privateKey.asymmetricKeyType !== "ed25519") {
    throw new GatewayError("CAPS_NETCAP_KEY_INVALID", 500, "expected an Ed25519 private key for netCaps");
  }
  return { privateKey, kid: jwkThumbprint(ed25519PublicJwk(privateKey)) };
}

/** exp for a netCap issued now: notAfter, or sooner with a lifetime; refuses a window already closed (403). */
export function netCapExpiry(now: number, notAfter: bigint, lifetimeSeconds?: number): number {
  if (notAfter <= BigInt(now)) {
    throw new GatewayError("CAPS_STEP_EXPIRED", 403, `the step's window closed at ${notAfter}, now ${now}`);
  }
  const cap = Number(notAfter);
  if (lifetimeSeconds === undefined) return cap;
  if (!Number.isSafeInteger(lifetimeSeconds) || lifetimeSeconds < 1) {
    throw new GatewayError(
      "CAPS_DERIVATION_INPUT_INVALID",
      500,
      `expected a positive lifetime, got ${lifetimeSeconds}`,
    );
  }
  return Math.min(now + lifetimeSeconds, cap);
}

/** The routes as plain JSON objects (a copy through JCS), refusing anything else. */
function copyRoutes(routes: readonly object[]): Readonly<Record<string, unknown>>[] {
  if (!Array.isArray(routes)) throw new GatewayError("CAPS_DERIVATION_INPUT_INVALID", 500, "expected routes array");
  return routes.map((r: unknown) => {
    if (typeof r !== "object" || r === null || Array.isArray(r)) {
      throw new GatewayError("CAPS_DERIVATION_INPUT_INVALID", 500, "expected every route to be an object");
    }
    return JSON.parse(canonicalJson(r)) as Record<string, unknown>;
  });
}

/** The claims of the netCap for one consumed step, issued at `now`. */
export function netCapClaims(request: NetCapRequest, now: number): NetCapClaims {
  if (!BYTES32.test(request.permitDigest)) {
    throw new GatewayError("CAPS_DERIVATION_INPUT_INVALID", 500, "expected a lowercase bytes32 permit digest");
  }
  return {
    iss: netCapIssuer(request.chainId, request.gateway),
    aud: NETCAP_AUDIENCE,
    market: request.market.toLowerCase() as Address,
    chainId: request.chainId.toString(),
    entitlementId: request.entitlementId.toString(),
    step: request.step.toString(),
    routes: copyRoutes(request.routes),
    iat: now,
    exp: netCapExpiry(now, request.notAfter, request.lifetimeSeconds),
    jti: request.permitDigest,
  };
}

/**
 * Signs a netCap: compact JWS, EdDSA, header {alg, typ "swarm-netcap+jwt", kid}, JCS claims as the payload.
 *
 * Signed with node:crypto's one-shot Ed25519 rather than jose's CompactSign, which goes through an asynchronous
 * WebCrypto job per signature (a measurable share of the gateway's time per release). Ed25519 is deterministic,
 * so the bytes are exactly jose's: a test compares the two; verifiers (`verifyNetCap`) use jose unchanged.
 */
export async function signNetCap(request: NetCapRequest, key: NetCapSigningKey, clock: Clock): Promise<string> {
  const claims = netCapClaims(request, epochSeconds(clock));
  const header = Buffer.from(JSON.stringify({ alg: NETCAP_ALG, typ: NETCAP_TYP, kid: key.kid })).toString("base64url");
  const signingInput = `${header}.${Buffer.from(canonicalJson(claims), "utf8").toString("base64url")}`;
  const signature = sign(null, Buffer.from(signingInput, "ascii"), key.privateKey);
  return `${signingInput}.${signature.toString("base64url")}`;
}
