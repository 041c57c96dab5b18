import { type KeyObject, createPublicKey, sign } from "node:crypto";
import type { LocalAccount } from "viem";

import { type GatewayKeys, gatewayKeysTypes } from "../../../client/src/protocol/eip712";
import {
  type HybridEnvelope,
  MLDSA_ALGORITHM,
  type MlDsaKeyPair,
  addMlDsaSignature,
  envelopePae,
  mlDsaKeyId,
} from "../../../client/src/protocol/hybrid";
import { canonicalJson } from "../../../client/src/protocol/jcs";
import { ed25519PublicJwk } from "../../../client/src/protocol/keys";
import { receiptKeyId } from "../receipts";
import type { GatewayContext } from "./context";

/** The gateway's public description, `/.well-known/swarm-gateway.json`. */
export interface GatewayDescription {
  gateway: string;
  chainId: string;
  market: string;
  audience: string;
  issuer: string;
  receiptIssuer: string;
  keys: {
    netCap: { kid: string; jwk: object };
    receipt: { kid: string; jwk: object };
    /** The ML-DSA-65 receipt key, when receipts are signed hybrid (`keys.receiptMlDsa`). */
    receiptMlDsa?: ReceiptMlDsaKey;
  };
  /** GatewayKeys, EIP-712 in the market's domain, signed by the gateway address: the only way a verifier
   *  accepts these Ed25519 keys as the gateway's. */
  gatewayKeys: { message: Record<keyof GatewayKeys, string>; signature: string };
}

/** DSSE payload type of the statement that binds the ML-DSA-65 receipt key to the Ed25519 one. */
export const RECEIPT_MLDSA_BINDING_TYPE = "application/vnd.swarm.receipt-mldsa-key+json";

/**
 * The ML-DSA-65 receipt key as published: its id (`mlDsaKeyId`), its AKP JWK, and `binding`, a hybrid DSSE envelope
 * over JCS `{gateway, receiptKid, receiptMlDsaKid}` signed [Ed25519 receipt key, this ML-DSA key]. GatewayKeys
 * vouches for the Ed25519 receipt key only (its EIP-712 type is fixed); the binding carries that to this key, and
 * the ML-DSA signature proves the gateway holds it.
 */
export interface ReceiptMlDsaKey {
  kid: string;
  jwk: { alg: typeof MLDSA_ALGORITHM; kty: "AKP"; pub: string };
  binding: HybridEnvelope;
}

/** The hybrid receipt signer's keys the description publishes and binds. */
export interface HybridReceiptKeys {
  receiptPrivateKey: KeyObject;
  mlDsa: MlDsaKeyPair;
}

/** Publishes the ML-DSA-65 receipt key with its binding to the Ed25519 receipt key `receiptKid`. */
export function describeReceiptMlDsaKey(gateway: string, receiptKid: string, keys: HybridReceiptKeys): ReceiptMlDsaKey {
  const kid = mlDsaKeyId(keys.mlDsa.publicKey);
  const statement = canonicalJson({ gateway: gateway.toLowerCase(), receiptKid, receiptMlDsaKid: kid });
  const unsigned = { payloadType: RECEIPT_MLDSA_BINDING_TYPE, payload: Buffer.from(statement).toString("base64") };
  const sig = sign(null, envelopePae(unsigned), keys.receiptPrivateKey).toString("base64");
  const binding = addMlDsaSignature(
    { ...unsigned, signatures: [{ keyid: receiptKid as `0x${string}`, sig }] },
    keys.mlDsa,
  );
  const pub = Buffer.from(keys.mlDsa.publicKey).toString("base64url");
  return { kid, jwk: { alg: MLDSA_ALGORITHM, kty: "AKP", pub }, binding };
}

/** Builds and signs the description once; the keys do not change while the process runs. */
export async function describeGateway(
  ctx: GatewayContext,
  account: LocalAccount,
  receiptPublicKey: KeyObject,
  notBefore: bigint,
  hybrid?: HybridReceiptKeys,
): Promise<GatewayDescription> {
  const message: GatewayKeys = {
    gateway: ctx.gateway,
    netCapKid: ctx.netCapKey.kid,
    receiptKid: receiptKeyId(receiptPublicKey),
    notBefore,
  };
  const signature = await account.signTypedData({
    domain: ctx.domain,
    types: gatewayKeysTypes,
    primaryType: "GatewayKeys",
    message,
  });
  return {
    gateway: ctx.gateway.toLowerCase(),
    chainId: ctx.chainId.toString(),
    market: ctx.market.toLowerCase(),
    audience: ctx.audience,
    issuer: ctx.issuer,
    receiptIssuer: ctx.receiptIssuer,
    keys: {
      netCap: { kid: message.netCapKid, jwk: ed25519PublicJwk(createPublicKey(ctx.netCapKey.privateKey)) },
      receipt: { kid: message.receiptKid, jwk: ed25519PublicJwk(receiptPublicKey) },
      ...(hybrid === undefined
        ? {}
        : { receiptMlDsa: describeReceiptMlDsaKey(ctx.gateway, message.receiptKid, hybrid) }),
    },
    gatewayKeys: {
      message: {
        gateway: message.gateway.toLowerCase(),
        netCapKid: message.netCapKid,
        receiptKid: message.receiptKid,
        notBefore: message.notBefore.toString(),
      },
      signature,
    },
  };
}
