import { createPublicKey } from "node:crypto";
import { type Address, type Hex, isAddressEqual, verifyTypedData } from "viem";

import { type GatewayKeys, gatewayKeysTypes, marketDomain } from "../protocol/eip712";
import { ProtocolError } from "../protocol/errors";
import { type Ed25519PublicJwk, decodeBase64urlExact, ed25519PublicJwk, jwkThumbprint } from "../protocol/keys";

/** Stable codes of a gateway key source that cannot be trusted. */
export const NetCapKeysErrorCode = {
  /** The description or key file does not have the expected shape. */
  INVALID: "PROXY_KEYS_INVALID",
  /** The GatewayKeys statement is not signed by the configured gateway, or names other keys. */
  UNTRUSTED: "PROXY_KEYS_UNTRUSTED",
} as const;

/** Which gateway the proxy trusts: its address on one market of one chain (explicit configuration). */
export interface TrustedGateway {
  readonly gateway: Address;
  readonly chainId: bigint;
  readonly market: Address;
}

const BYTES32 = /^0x[0-9a-f]{64}$/;

function invalid(message: string): never {
  throw new ProtocolError(NetCapKeysErrorCode.INVALID, message);
}

function untrusted(message: string): never {
  throw new ProtocolError(NetCapKeysErrorCode.UNTRUSTED, message);
}

function record(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) invalid(`expected ${what} to be an object`);
  return v as Record<string, unknown>;
}

/** Parses an Ed25519 public JWK: exactly OKP, Ed25519 and a canonical 32-byte `x` (other members are ignored). */
export function parseEd25519PublicJwk(value: unknown): Ed25519PublicJwk {
  const jwk = record(value, "the netCap key");
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519") invalid("expected an OKP Ed25519 JWK");
  if ("d" in jwk) invalid("expected a public JWK, got one carrying a private key");
  if (typeof jwk.x !== "string" || decodeBase64urlExact(jwk.x, 32) === undefined) {
    invalid("expected x to be 32 bytes of unpadded base64url");
  }
  return { kty: "OKP", crv: "Ed25519", x: jwk.x };
}

/**
 * The gateway's netCap public key from its `/.well-known/swarm-gateway.json`, accepted only if the GatewayKeys
 * statement in it is EIP-712 signed (market domain) by the configured gateway address, names the configured
 * chain and market, and its netCapKid is the RFC 7638 thumbprint of the published key.
 */
export async function netCapKeysFromDescription(
  description: unknown,
  trusted: TrustedGateway,
): Promise<Ed25519PublicJwk[]> {
  const d = record(description, "the gateway description");
  if (d.chainId !== trusted.chainId.toString()) untrusted(`expected chainId ${trusted.chainId}`);
  if (typeof d.market !== "string" || d.market !== trusted.market.toLowerCase()) untrusted("expected our market");
  const netCap = record(record(d.keys, "keys").netCap, "keys.netCap");
  const jwk = parseEd25519PublicJwk(netCap.jwk);
  const statement = record(d.gatewayKeys, "gatewayKeys");
  const m = record(statement.message, "gatewayKeys.message");
  const { gateway, netCapKid, receiptKid, notBefore } = m;
  if (typeof gateway !== "string" || typeof netCapKid !== "string" || typeof receiptKid !== "string") {
    invalid("expected gateway, netCapKid and receiptKid strings");
  }
  if (!BYTES32.test(netCapKid) || !BYTES32.test(receiptKid)) invalid("expected bytes32 kids");
  if (typeof notBefore !== "string" || !/^(0|[1-9][0-9]{0,19})$/.test(notBefore)) invalid("expected notBefore");
  if (typeof statement.signature !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(statement.signature)) {
    invalid("expected a 65-byte signature");
  }
  if (!/^0x[0-9a-fA-F]{40}$/.test(gateway) || !isAddressEqual(gateway as Address, trusted.gateway)) {
    untrusted(`expected GatewayKeys for gateway ${trusted.gateway}`);
  }
  if (netCapKid !== jwkThumbprint(jwk) || netCap.kid !== netCapKid) {
    untrusted("expected netCapKid to be the thumbprint of the published netCap key");
  }
  const message: GatewayKeys = {
    gateway: trusted.gateway,
    netCapKid: netCapKid as Hex,
    receiptKid: receiptKid as Hex,
    notBefore: BigInt(notBefore),
  };
  const ok = await verifyTypedData({
    address: trusted.gateway,
    domain: marketDomain(trusted.chainId, trusted.market),
    types: gatewayKeysTypes,
    primaryType: "GatewayKeys",
    message,
    signature: statement.signature as Hex,
  }).catch(() => false);
  if (!ok) untrusted("the GatewayKeys statement is not signed by the configured gateway");
  return [jwk];
}

/** The netCap public key from a key file's text: an Ed25519 public JWK (JSON) or an SPKI PEM. */
export function netCapKeyFromFile(text: string): Ed25519PublicJwk {
  const trimmed = text.trim();
  if (trimmed.startsWith("-----BEGIN PUBLIC KEY-----")) {
    try {
      const key = createPublicKey({ key: trimmed, format: "pem" });
      if (key.asymmetricKeyType !== "ed25519") invalid("expected an Ed25519 public key");
      return ed25519PublicJwk(key);
    } catch (cause) {
      if (cause instanceof ProtocolError) throw cause;
      invalid("expected an SPKI PEM Ed25519 public key");
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    invalid("expected a JSON Ed25519 public JWK or an SPKI PEM");
  }
  return parseEd25519PublicJwk(json);
}
