import { expect } from "chai";
import { type KeyObject, generateKeyPairSync } from "node:crypto";
import { CompactSign, base64url } from "jose";
import type { Address, Hex } from "viem";

import type { Clock } from "../../../client/src/protocol/clock";
import { isProtocolError } from "../../../client/src/protocol/errors";
import { type Ed25519PublicJwk, ed25519PublicJwk, jwkThumbprint } from "../../../client/src/protocol/keys";
import {
  type NetCapExpectation,
  netCapIssuer,
  selectNetCapKey,
  verifyNetCap,
  verifyNetCapSignature,
} from "../../../client/src/protocol/netcap";
import { netCapSigningKey, signNetCap } from "../../../gateway/src/caps/netcap";

const MARKET: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const GATEWAY: Address = "0x70997970C51812dc3A010C7d01b50e79d17dc79C";
const DIGEST: Hex = `0x${"ab".repeat(32)}`;
const NOW = 1_700_000_000;
const at =
  (seconds: number): Clock =>
  () =>
    new Date(seconds * 1000);
const ROUTES = [
  { effect: "allow", scheme: "https", host: "api.example.com", port: "443", methods: ["GET"], pathPrefix: "/v1/" },
];

const key = generateKeyPairSync("ed25519").privateKey;
const publicJwk = ed25519PublicJwk(key);
const kid = jwkThumbprint(publicJwk);

function expectation(overrides: Partial<NetCapExpectation> = {}): NetCapExpectation {
  return {
    keys: [publicJwk],
    issuer: netCapIssuer(31337n, GATEWAY),
    market: MARKET,
    chainId: 31337n,
    clock: at(NOW + 10),
    ...overrides,
  };
}

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: netCapIssuer(31337n, GATEWAY),
    aud: "swarm-egress",
    market: MARKET.toLowerCase(),
    chainId: "31337",
    entitlementId: "7",
    step: "3",
    routes: ROUTES,
    iat: NOW,
    exp: NOW + 600,
    jti: DIGEST,
    ...overrides,
  };
}

/** A token signed with a real Ed25519 key but with whatever header and claims the attack needs. */
async function craft(
  body: Record<string, unknown>,
  header: Record<string, unknown> = { alg: "EdDSA", typ: "swarm-netcap+jwt", kid },
  signer: KeyObject = key,
): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(body)))
    .setProtectedHeader(header as { alg: string })
    .sign(signer);
}

function segment(value: unknown): string {
  return base64url.encode(JSON.stringify(value));
}

async function expectRefused(token: string, code: string, expected = expectation()): Promise<void> {
  let failure: unknown;
  try {
    await verifyNetCap(token, expected);
  } catch (err) {
    failure = err;
  }
  expect(isProtocolError(failure, code), `expected ${code}, got ${String(failure)}`).to.equal(true);
}

describe("protocol/netcap", () => {
  it("accepts a netCap the gateway signed, returning its claims", async () => {
    const token = await signNetCap(
      {
        chainId: 31337n,
        market: MARKET,
        gateway: GATEWAY,
        entitlementId: 7n,
        step: 3,
        routes: ROUTES,
        permitDigest: DIGEST,
        notAfter: BigInt(NOW + 600),
      },
      netCapSigningKey(key),
      at(NOW),
    );
    expect(await verifyNetCap(token, expectation())).to.deep.equal(claims());
  });

  it("selects the key by kid among several (rotation)", async () => {
    const old = ed25519PublicJwk(generateKeyPairSync("ed25519").publicKey);
    expect(await verifyNetCap(await craft(claims()), expectation({ keys: [old, publicJwk] }))).to.deep.equal(claims());
  });

  it("refuses a token for another audience", async () => {
    await expectRefused(await craft(claims({ aud: "swarm-gateway" })), "NETCAP_AUDIENCE_MISMATCH");
  });

  it("refuses a token from another issuer (gateway or chain)", async () => {
    await expectRefused(await craft(claims({ iss: netCapIssuer(31337n, MARKET) })), "NETCAP_ISSUER_MISMATCH");
    await expectRefused(await craft(claims({ iss: netCapIssuer(1n, GATEWAY) })), "NETCAP_ISSUER_MISMATCH");
  });

  it("refuses a token for another market, or the market in checksum case", async () => {
    const other = "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0";
    await expectRefused(await craft(claims({ market: other })), "NETCAP_MARKET_MISMATCH");
    await expectRefused(await craft(claims({ market: MARKET })), "NETCAP_CLAIMS_INVALID");
  });

  it("refuses a token for another chain", async () => {
    await expectRefused(await craft(claims({ chainId: "1" })), "NETCAP_CHAIN_MISMATCH");
  });

  it("refuses a token at and after exp, accepts it a second before", async () => {
    const token = await craft(claims());
    expect((await verifyNetCap(token, expectation({ clock: at(NOW + 599) }))).exp).to.equal(NOW + 600);
    await expectRefused(token, "NETCAP_EXPIRED", expectation({ clock: at(NOW + 600) }));
    await expectRefused(token, "NETCAP_EXPIRED", expectation({ clock: at(NOW + 10_000) }));
  });

  it("refuses a token issued in the future beyond the leeway", async () => {
    const token = await craft(claims());
    await expectRefused(token, "NETCAP_NOT_YET_VALID", expectation({ clock: at(NOW - 1) }));
    expect((await verifyNetCap(token, expectation({ clock: at(NOW - 5), leewaySeconds: 5 }))).iat).to.equal(NOW);
  });

  it("refuses a token signed by another key under the gateway's kid", async () => {
    const forger = generateKeyPairSync("ed25519").privateKey;
    await expectRefused(await craft(claims(), undefined, forger), "NETCAP_SIGNATURE_INVALID");
  });

  it("refuses a token signed by another key under that key's own kid", async () => {
    const forger = generateKeyPairSync("ed25519").privateKey;
    const header = { alg: "EdDSA", typ: "swarm-netcap+jwt", kid: jwkThumbprint(ed25519PublicJwk(forger)) };
    await expectRefused(await craft(claims(), header, forger), "NETCAP_KEY_UNKNOWN");
  });

  it("refuses alg none", async () => {
    const unsigned = `${segment({ alg: "none", typ: "swarm-netcap+jwt", kid })}.${segment(claims())}.`;
    await expectRefused(unsigned, "NETCAP_ALG_INVALID");
  });

  it("refuses HS256 keyed with the gateway's public key (algorithm confusion)", async () => {
    const secret = Buffer.from((publicJwk as Ed25519PublicJwk).x, "base64url");
    const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims())))
      .setProtectedHeader({ alg: "HS256", typ: "swarm-netcap+jwt", kid })
      .sign(secret);
    await expectRefused(token, "NETCAP_ALG_INVALID");
    let failure: unknown;
    try {
      await verifyNetCapSignature(token, selectNetCapKey(kid, [publicJwk]));
    } catch (err) {
      failure = err;
    }
    expect(isProtocolError(failure, "NETCAP_SIGNATURE_INVALID"), "EdDSA only, even past the header").to.equal(true);
  });

  it("refuses a tampered payload (a route added after signing)", async () => {
    const [h, , s] = (await craft(claims())).split(".");
    const routes = [...ROUTES, { ...ROUTES[0], host: "evil.example" }];
    await expectRefused(`${h}.${segment(claims({ routes }))}.${s}`, "NETCAP_SIGNATURE_INVALID");
  });

  it("refuses a wrong or missing typ, a malformed kid and an embedded jwk header", async () => {
    await expectRefused(await craft(claims(), { alg: "EdDSA", typ: "JWT", kid }), "NETCAP_HEADER_INVALID");
    await expectRefused(await craft(claims(), { alg: "EdDSA", kid }), "NETCAP_HEADER_INVALID");
    await expectRefused(
      await craft(claims(), { alg: "EdDSA", typ: "swarm-netcap+jwt", kid: kid.toUpperCase() }),
      "NETCAP_HEADER_INVALID",
    );
    const withJwk = { alg: "EdDSA", typ: "swarm-netcap+jwt", kid, jwk: publicJwk };
    await expectRefused(await craft(claims(), withJwk), "NETCAP_HEADER_INVALID");
  });

  it("refuses extra, missing or mistyped claims", async () => {
    await expectRefused(await craft(claims({ admin: true })), "NETCAP_CLAIMS_INVALID");
    const noJti = Object.fromEntries(Object.entries(claims()).filter(([k]) => k !== "jti"));
    await expectRefused(await craft(noJti), "NETCAP_CLAIMS_INVALID");
    await expectRefused(await craft(claims({ step: 3 })), "NETCAP_CLAIMS_INVALID");
    await expectRefused(await craft(claims({ entitlementId: "07" })), "NETCAP_CLAIMS_INVALID");
    await expectRefused(await craft(claims({ exp: String(NOW + 600) })), "NETCAP_CLAIMS_INVALID");
    await expectRefused(await craft(claims({ routes: ["*"] })), "NETCAP_CLAIMS_INVALID");
    await expectRefused(await craft(claims({ exp: NOW })), "NETCAP_CLAIMS_INVALID");
  });

  it("refuses something that is not a compact JWS", async () => {
    await expectRefused("not-a-token", "NETCAP_MALFORMED");
    await expectRefused(`${segment({ alg: "EdDSA" })}.e30`, "NETCAP_MALFORMED");
  });
});
