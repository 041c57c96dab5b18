import { expect } from "chai";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { privateKeyToAccount } from "viem/accounts";

import { gatewayKeysTypes, marketDomain } from "../../../client/src/protocol/eip712";
import { isProtocolError } from "../../../client/src/protocol/errors";
import { ed25519PublicJwk, jwkThumbprint } from "../../../client/src/protocol/keys";
import { netCapKeyFromFile, netCapKeysFromDescription } from "../../../client/src/proxy";
import { CHAIN_ID, MARKET, gatewayKey } from "./support";

const account = privateKeyToAccount(`0x${"11".repeat(32)}`);
const other = privateKeyToAccount(`0x${"22".repeat(32)}`);
const trusted = { gateway: account.address, chainId: CHAIN_ID, market: MARKET };
const jwk = ed25519PublicJwk(gatewayKey);
const kid = jwkThumbprint(jwk);
const receiptKid = `0x${"cd".repeat(32)}` as const;

/** A description shaped as the gateway's /.well-known/swarm-gateway.json, signed by `signer`. */
async function description(signer = account, netCapKid = kid): Promise<Record<string, unknown>> {
  const message = { gateway: account.address, netCapKid, receiptKid, notBefore: 0n };
  const signature = await signer.signTypedData({
    domain: marketDomain(CHAIN_ID, MARKET),
    types: gatewayKeysTypes,
    primaryType: "GatewayKeys",
    message,
  });
  return {
    gateway: account.address.toLowerCase(),
    chainId: CHAIN_ID.toString(),
    market: MARKET.toLowerCase(),
    keys: { netCap: { kid: netCapKid, jwk }, receipt: { kid: receiptKid, jwk } },
    gatewayKeys: {
      message: { gateway: account.address.toLowerCase(), netCapKid, receiptKid, notBefore: "0" },
      signature,
    },
  };
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  try {
    await promise;
  } catch (err) {
    expect(isProtocolError(err, code), String(err)).to.equal(true);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe("proxy/netCapKeys: the gateway's netCap key, trusted only through GatewayKeys", () => {
  it("accepts the netCap key of a description signed by the configured gateway", async () => {
    expect(await netCapKeysFromDescription(await description(), trusted)).to.deep.equal([jwk]);
  });

  it("rejects a description signed by another address", async () => {
    await expectCode(netCapKeysFromDescription(await description(other), trusted), "PROXY_KEYS_UNTRUSTED");
  });

  it("rejects a published key swapped for another one", async () => {
    const d = await description();
    (d.keys as { netCap: { jwk: object } }).netCap.jwk = ed25519PublicJwk(generateKeyPairSync("ed25519").publicKey);
    await expectCode(netCapKeysFromDescription(d, trusted), "PROXY_KEYS_UNTRUSTED");
  });

  it("rejects a description for another chain or market", async () => {
    await expectCode(
      netCapKeysFromDescription(await description(), { ...trusted, chainId: 1n }),
      "PROXY_KEYS_UNTRUSTED",
    );
    await expectCode(
      netCapKeysFromDescription(await description(), { ...trusted, market: account.address }),
      "PROXY_KEYS_UNTRUSTED",
    );
  });

  it("rejects a description without the expected shape", async () => {
    await expectCode(netCapKeysFromDescription("nope", trusted), "PROXY_KEYS_INVALID");
    await expectCode(
      netCapKeysFromDescription({ chainId: "31337", market: MARKET.toLowerCase() }, trusted),
      "PROXY_KEYS_INVALID",
    );
  });

  it("reads a key file as a JWK or an SPKI PEM", () => {
    expect(netCapKeyFromFile(JSON.stringify(jwk))).to.deep.equal(jwk);
    const pem = createPublicKey(gatewayKey).export({ format: "pem", type: "spki" }).toString();
    expect(netCapKeyFromFile(pem)).to.deep.equal(jwk);
  });

  it("rejects a key file holding a private key or another key type", () => {
    const priv = gatewayKey.export({ format: "jwk" });
    expect(() => netCapKeyFromFile(JSON.stringify(priv)))
      .to.throw()
      .with.property("code", "PROXY_KEYS_INVALID");
    const x25519 = generateKeyPairSync("x25519").publicKey.export({ format: "pem", type: "spki" }).toString();
    expect(() => netCapKeyFromFile(x25519))
      .to.throw()
      .with.property("code", "PROXY_KEYS_INVALID");
  });
});
