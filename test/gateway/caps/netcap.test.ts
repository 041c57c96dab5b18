import { expect } from "chai";
import { generateKeyPairSync } from "node:crypto";
import { CompactSign, decodeProtectedHeader } from "jose";
import type { Address, Hex } from "viem";

import type { Clock } from "../../../client/src/protocol/clock";
import { canonicalJson } from "../../../client/src/protocol/jcs";
import { ed25519PublicJwk, generateWorkerKeyPair, jwkThumbprint } from "../../../client/src/protocol/keys";
import { verifyNetCap } from "../../../client/src/protocol/netcap";
import { GatewayError } from "../../../gateway/src/errors";
import { type NetCapRequest, netCapSigningKey, signNetCap } from "../../../gateway/src/caps/netcap";

const MARKET: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const GATEWAY: Address = "0x70997970C51812dc3A010C7d01b50e79d17dc79C";
const NOW = 1_700_000_000;
const at =
  (seconds: number): Clock =>
  () =>
    new Date(seconds * 1000);
const ROUTES = [
  { effect: "deny", scheme: "https", host: "*.internal.example", port: "443", methods: ["*"], pathPrefix: "/" },
  { effect: "allow", scheme: "https", host: "api.example.com", port: "443", methods: ["GET", "POST"], pathPrefix: "/" },
];
const privateKey = generateKeyPairSync("ed25519").privateKey;
const signingKey = netCapSigningKey(privateKey);

function request(overrides: Partial<NetCapRequest> = {}): NetCapRequest {
  return {
    chainId: 31337n,
    market: MARKET,
    gateway: GATEWAY,
    entitlementId: 7n,
    step: 3,
    routes: ROUTES,
    permitDigest: `0x${"cd".repeat(32)}` as Hex,
    notAfter: BigInt(NOW + 600),
    ...overrides,
  };
}

function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
}

async function expectCode(call: Promise<unknown>, code: string, status: number): Promise<void> {
  try {
    await call;
  } catch (err) {
    expect(err).to.be.instanceOf(GatewayError);
    expect((err as GatewayError).code).to.equal(code);
    expect((err as GatewayError).status).to.equal(status);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe("gateway/caps/netcap", () => {
  it("signs EdDSA with typ swarm-netcap+jwt and kid = the thumbprint of the public key", async () => {
    const token = await signNetCap(request(), signingKey, at(NOW));
    expect(decodeProtectedHeader(token)).to.deep.equal({
      alg: "EdDSA",
      typ: "swarm-netcap+jwt",
      kid: jwkThumbprint(ed25519PublicJwk(privateKey)),
    });
  });

  it("writes the claims in the protocol's encodings, as JCS bytes", async () => {
    const token = await signNetCap(request(), signingKey, at(NOW));
    const text = Buffer.from(token.split(".")[1]!, "base64url").toString("utf8");
    expect(canonicalJson(JSON.parse(text))).to.equal(text);
    expect(JSON.parse(text)).to.deep.equal({
      iss: `eip155:31337:${GATEWAY.toLowerCase()}`,
      aud: "swarm-egress",
      market: MARKET.toLowerCase(),
      chainId: "31337",
      entitlementId: "7",
      step: "3",
      routes: ROUTES,
      iat: NOW,
      exp: NOW + 600,
      jti: `0x${"cd".repeat(32)}`,
    });
  });

  it("caps exp at notAfter even when a longer lifetime is asked for", async () => {
    const token = await signNetCap(request({ lifetimeSeconds: 3600 }), signingKey, at(NOW));
    expect(payloadOf(token).exp).to.equal(NOW + 600);
  });

  it("uses a shorter lifetime when one is given", async () => {
    const token = await signNetCap(request({ lifetimeSeconds: 60 }), signingKey, at(NOW));
    expect(payloadOf(token).exp).to.equal(NOW + 60);
  });

  it("refuses to issue a netCap once the step's window has closed (re-delivery too late)", async () => {
    await expectCode(signNetCap(request(), signingKey, at(NOW + 600)), "CAPS_STEP_EXPIRED", 403);
    expect(payloadOf(await signNetCap(request(), signingKey, at(NOW + 599))).exp).to.equal(NOW + 600);
  });

  it("verifies with the client's verifier and is refused there after exp", async () => {
    const token = await signNetCap(request(), signingKey, at(NOW));
    const expected = {
      keys: [ed25519PublicJwk(privateKey)],
      issuer: `eip155:31337:${GATEWAY.toLowerCase()}`,
      market: MARKET,
      chainId: 31337n,
      clock: at(NOW + 600),
    };
    let code: unknown;
    await verifyNetCap(token, expected).catch((err: { code?: unknown }) => (code = err.code));
    expect(code).to.equal("NETCAP_EXPIRED");
  });

  it("writes exactly the bytes jose's CompactSign writes for the same header, claims and key", async () => {
    const jws = await signNetCap(request(), signingKey, at(NOW));
    const claims = JSON.parse(Buffer.from(jws.split(".")[1]!, "base64url").toString("utf8")) as object;
    const byJose = await new CompactSign(new TextEncoder().encode(canonicalJson(claims)))
      .setProtectedHeader({ alg: "EdDSA", typ: "swarm-netcap+jwt", kid: signingKey.kid })
      .sign(privateKey);
    expect(jws).to.equal(byJose);
  });

  it("refuses a signing key that is not an Ed25519 private key", () => {
    for (const key of [generateKeyPairSync("ed25519").publicKey, generateWorkerKeyPair().privateKey]) {
      expect(() => netCapSigningKey(key))
        .to.throw(GatewayError)
        .with.property("code", "CAPS_NETCAP_KEY_INVALID");
    }
  });

  it("refuses routes that are not objects and a malformed permit digest", async () => {
    await expectCode(
      signNetCap(request({ routes: ["*" as unknown as object] }), signingKey, at(NOW)),
      "CAPS_DERIVATION_INPUT_INVALID",
      500,
    );
    await expectCode(
      signNetCap(request({ permitDigest: "0x12" }), signingKey, at(NOW)),
      "CAPS_DERIVATION_INPUT_INVALID",
      500,
    );
  });
});
