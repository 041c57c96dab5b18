import { type KeyObject, createPublicKey } from "node:crypto";
import type { LocalAccount } from "viem";

import { type GatewayKeys, gatewayKeysTypes } from "../../../client/src/protocol/eip712";
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
  };
  /** GatewayKeys, EIP-712 in the market's domain, signed by the gateway address: the only way a verifier
   *  accepts these Ed25519 keys as the gateway's. */
  gatewayKeys: { message: Record<keyof GatewayKeys, string>; signature: string };
}

/** Builds and signs the description once; the keys do not change while the process runs. */
export async function describeGateway(
  ctx: GatewayContext,
  account: LocalAccount,
  receiptPublicKey: KeyObject,
  notBefore: bigint,
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
