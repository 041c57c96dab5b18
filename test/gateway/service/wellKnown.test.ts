import { generateKeyPairSync } from "node:crypto";
import { expect } from "chai";
import { getAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import {
  type HybridEnvelope,
  mlDsaKeyFromSeed,
  mlDsaKeyId,
  verifyHybridEnvelope,
} from "../../../client/src/protocol/hybrid";
import { marketDomain } from "../../../client/src/protocol/eip712";
import { netCapKeysFromDescription } from "../../../client/src/proxy";
import { netCapSigningKey } from "../../../gateway/src/caps/netcap";
import type { GatewayContext } from "../../../gateway/src/service/context";
import {
  type GatewayDescription,
  RECEIPT_MLDSA_BINDING_TYPE,
  describeGateway,
} from "../../../gateway/src/service/wellKnown";

const ACCOUNT = privateKeyToAccount(`0x${"42".repeat(32)}`);
const MARKET = getAddress("0x00000000000000000000000000000000000000a1");
const RECEIPT = generateKeyPairSync("ed25519");
const ML_DSA = mlDsaKeyFromSeed(new Uint8Array(32).fill(9));

/** The context fields `describeGateway` reads (the rest of a wired context is not needed to describe it). */
const CTX = {
  gateway: ACCOUNT.address,
  chainId: 31337n,
  market: MARKET,
  domain: marketDomain(31337n, MARKET),
  audience: "swarm-gateway",
  issuer: "https://token.actions.githubusercontent.com",
  receiptIssuer: `eip155:31337:${ACCOUNT.address.toLowerCase()}`,
  netCapKey: netCapSigningKey(generateKeyPairSync("ed25519").privateKey),
} as unknown as GatewayContext;

const hybridDescription = (): Promise<GatewayDescription> =>
  describeGateway(CTX, ACCOUNT, RECEIPT.publicKey, 1_790_000_000n, {
    receiptPrivateKey: RECEIPT.privateKey,
    mlDsa: ML_DSA,
  });

function publishedMlDsaKey(d: GatewayDescription): Uint8Array {
  return new Uint8Array(Buffer.from(d.keys.receiptMlDsa!.jwk.pub, "base64url"));
}

describe("gateway/service wellKnown: the ML-DSA-65 receipt key", function () {
  it("is absent when receipts are signed Ed25519 only", async function () {
    const d = await describeGateway(CTX, ACCOUNT, RECEIPT.publicKey, 1_790_000_000n);
    expect(d.keys).to.have.keys(["netCap", "receipt"]);
  });

  it("is published as an AKP JWK with its id, bound to the Ed25519 receipt key by a hybrid envelope", async function () {
    const d = await hybridDescription();
    const published = d.keys.receiptMlDsa!;
    expect(publishedMlDsaKey(d)).to.deep.equal(ML_DSA.publicKey);
    expect(published.kid).to.equal(mlDsaKeyId(ML_DSA.publicKey));
    expect(published.jwk).to.have.keys(["alg", "kty", "pub"]);
    expect(published.binding.payloadType).to.equal(RECEIPT_MLDSA_BINDING_TYPE);
    const statement: unknown = JSON.parse(Buffer.from(published.binding.payload, "base64").toString("utf8"));
    expect(statement).to.deep.equal({
      gateway: ACCOUNT.address.toLowerCase(),
      receiptKid: d.keys.receipt.kid,
      receiptMlDsaKid: published.kid,
    });
    expect(d.gatewayKeys.message.receiptKid).to.equal(d.keys.receipt.kid);
    const result = verifyHybridEnvelope(published.binding, {
      ed25519: RECEIPT.publicKey,
      mlDsa: publishedMlDsaKey(d),
      requireHybrid: true,
    });
    expect(result).to.deep.equal({ ed25519: "valid", mlDsa: "valid" });
  });

  it("keeps the GatewayKeys statement verifiable by the proxy's check with the ML-DSA key published", async function () {
    const d = await hybridDescription();
    const keys = await netCapKeysFromDescription(d, { gateway: ACCOUNT.address, chainId: 31337n, market: MARKET });
    expect(keys).to.deep.equal([d.keys.netCap.jwk]);
  });

  it("refuses a binding claimed for another receipt key (HYBRID_KEYID_MISMATCH)", async function () {
    const d = await hybridDescription();
    const other = generateKeyPairSync("ed25519").publicKey;
    expect(() =>
      verifyHybridEnvelope(d.keys.receiptMlDsa!.binding, {
        ed25519: other,
        mlDsa: publishedMlDsaKey(d),
        requireHybrid: true,
      }),
    )
      .to.throw()
      .with.property("code", "HYBRID_KEYID_MISMATCH");
  });

  it("refuses a published ML-DSA key swapped for another one (the binding's ML-DSA signature is not its)", async function () {
    const d = await hybridDescription();
    const binding: HybridEnvelope = d.keys.receiptMlDsa!.binding;
    const swapped = mlDsaKeyFromSeed(new Uint8Array(32).fill(10)).publicKey;
    expect(() => verifyHybridEnvelope(binding, { ed25519: RECEIPT.publicKey, mlDsa: swapped, requireHybrid: true }))
      .to.throw()
      .with.property("code", "HYBRID_KEYID_MISMATCH");
  });
});
