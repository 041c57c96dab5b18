import { generateKeyPairSync } from "node:crypto";
import { expect } from "chai";
import { type DevOidcIssuer, startDevOidcIssuer } from "../../../devnet/oidc";
import { type RemoteJwksOptions, createJwksSource } from "../../../gateway/src/oidc/jwks";
import { verifyRunnerToken } from "../../../gateway/src/oidc/verifyToken";
import { freePort } from "../../../devnet/hardhatNode";
import { AUDIENCE, type ManualClock, expectGatewayError, manualClock } from "./fixtures";

describe("gateway/oidc JWKS source", () => {
  let issuer: DevOidcIssuer;
  let time: ManualClock;

  beforeEach(async () => {
    time = manualClock();
    issuer = await startDevOidcIssuer({ clock: () => time.clock() });
  });
  afterEach(() => issuer.stop());

  const source = (overrides: Partial<RemoteJwksOptions> = {}) =>
    createJwksSource({ url: issuer.jwksUri, fetch, clock: () => time.clock(), ...overrides });
  const verifyWith = (jwks: ReturnType<typeof createJwksSource>, token: string) =>
    verifyRunnerToken(token, { jwks, issuer: issuer.issuer, audience: AUDIENCE, clock: time.clock, leewaySeconds: 60 });

  /** A static JWKS served through an injected fetch: no socket at all. */
  const staticFetch =
    (body: string, status = 200): typeof fetch =>
    async () =>
      new Response(body, { status });

  it("fetches the key set once and serves later tokens from the cache", async () => {
    const jwks = source();
    await verifyWith(jwks, issuer.mint({ aud: AUDIENCE }));
    await verifyWith(jwks, issuer.mint({ aud: AUDIENCE }));
    expect(issuer.jwksRequests).to.equal(1);
  });

  it("refuses an unknown kid after one refetch", async () => {
    const jwks = source();
    await verifyWith(jwks, issuer.mint({ aud: AUDIENCE }));
    time.advance(30);
    await expectGatewayError(
      () => verifyWith(jwks, issuer.mint({ aud: AUDIENCE }, { kid: "made-up" })),
      "TOKEN_KID_UNKNOWN",
      401,
    );
    expect(issuer.jwksRequests).to.equal(2);
  });

  it("refuses a rotated-in kid during the cooldown, then accepts it once the cooldown allows a refetch", async () => {
    const jwks = source({ cooldownSeconds: 30 });
    await verifyWith(jwks, issuer.mint({ aud: AUDIENCE }));
    const newKid = await issuer.rotateKey();
    const rotated = issuer.mint({ aud: AUDIENCE });
    expect(issuer.mint({ aud: AUDIENCE })).to.not.equal(rotated);
    time.advance(29);
    await expectGatewayError(() => verifyWith(jwks, rotated), "TOKEN_KID_UNKNOWN", 401);
    expect(issuer.jwksRequests).to.equal(1);
    time.advance(1);
    const claims = await verifyWith(jwks, rotated);
    expect(claims.aud).to.equal(AUDIENCE);
    expect(issuer.jwksRequests).to.equal(2);
    expect(newKid).to.equal(issuer.currentKid);
  });

  it("lets a flood of unknown kids cause at most one JWKS fetch per cooldown", async () => {
    const jwks = source({ cooldownSeconds: 30 });
    await verifyWith(jwks, issuer.mint({ aud: AUDIENCE }));
    time.advance(30);
    const flood = () =>
      Promise.allSettled(
        Array.from({ length: 50 }, (_, i) => verifyWith(jwks, issuer.mint({ aud: AUDIENCE }, { kid: `junk-${i}` }))),
      );
    const first = await flood();
    expect(first.every((r) => r.status === "rejected")).to.equal(true);
    expect(issuer.jwksRequests).to.equal(2);
    time.advance(10);
    await flood();
    expect(issuer.jwksRequests).to.equal(2);
    time.advance(20);
    await flood();
    expect(issuer.jwksRequests).to.equal(3);
  });

  it("keeps accepting the old key until it is retired and the cache has expired", async () => {
    const jwks = source({ cacheMaxAgeSeconds: 600 });
    const oldKid = issuer.currentKid;
    await issuer.rotateKey();
    const signedWithOldKey = issuer.mint({ aud: AUDIENCE, exp: time.seconds() + 3600 }, { kid: oldKid });
    await verifyWith(jwks, signedWithOldKey);
    issuer.retireOldKeys();
    await verifyWith(jwks, signedWithOldKey);
    time.advance(600);
    await expectGatewayError(() => verifyWith(jwks, signedWithOldKey), "TOKEN_KID_UNKNOWN", 401);
  });

  it("answers JWKS_UNAVAILABLE while the JWKS is down, retries only after the cooldown, and recovers", async () => {
    issuer.setJwksAvailable(false);
    const jwks = source({ cooldownSeconds: 30 });
    await expectGatewayError(() => verifyWith(jwks, issuer.mint({ aud: AUDIENCE })), "JWKS_UNAVAILABLE", 503);
    issuer.setJwksAvailable(true);
    time.advance(29);
    await expectGatewayError(() => verifyWith(jwks, issuer.mint({ aud: AUDIENCE })), "JWKS_UNAVAILABLE", 503);
    expect(issuer.jwksRequests).to.equal(1);
    time.advance(1);
    await verifyWith(jwks, issuer.mint({ aud: AUDIENCE }));
    expect(issuer.jwksRequests).to.equal(2);
  });

  it("does not verify against a cache past its max age when the JWKS cannot be refreshed", async () => {
    const jwks = source({ cacheMaxAgeSeconds: 600 });
    await verifyWith(jwks, issuer.mint({ aud: AUDIENCE }));
    issuer.setJwksAvailable(false);
    time.advance(600);
    await expectGatewayError(() => verifyWith(jwks, issuer.mint({ aud: AUDIENCE })), "JWKS_UNAVAILABLE", 503);
  });

  it("answers JWKS_UNAVAILABLE when the refetch for an unknown kid fails", async () => {
    const jwks = source();
    await verifyWith(jwks, issuer.mint({ aud: AUDIENCE }));
    issuer.setJwksAvailable(false);
    time.advance(30);
    await expectGatewayError(
      () => verifyWith(jwks, issuer.mint({ aud: AUDIENCE }, { kid: "new" })),
      "JWKS_UNAVAILABLE",
      503,
    );
    await expectGatewayError(
      () => verifyWith(jwks, issuer.mint({ aud: AUDIENCE }, { kid: "new" })),
      "JWKS_UNAVAILABLE",
      503,
    );
    expect(issuer.jwksRequests).to.equal(2);
  });

  it("answers JWKS_UNAVAILABLE when the JWKS host is unreachable", async () => {
    const port = await freePort();
    const jwks = source({ url: `http://127.0.0.1:${port}/.well-known/jwks` });
    await expectGatewayError(() => jwks.getKey(issuer.currentKid), "JWKS_UNAVAILABLE", 503);
  });

  it("answers JWKS_UNAVAILABLE when the JWKS does not answer in time", async () => {
    issuer.setJwksDelay(2_000);
    const jwks = source({ timeoutMs: 100 });
    await expectGatewayError(() => jwks.getKey(issuer.currentKid), "JWKS_UNAVAILABLE", 503);
  });

  it("answers JWKS_UNAVAILABLE for a response that is not a JWKS, too large, or names a kid twice", async () => {
    const { keys } = (await (await fetch(issuer.jwksUri)).json()) as { keys: unknown[] };
    const bodies: [string, number][] = [
      ["<html>", 200],
      ['{"keys": "none"}', 200],
      [JSON.stringify({ keys: [keys[0], keys[0]] }), 200],
      [JSON.stringify({ keys }), 500],
      [JSON.stringify({ keys, pad: "x".repeat(300_000) }), 200],
    ];
    for (const [body, status] of bodies) {
      const jwks = source({ fetch: staticFetch(body, status) });
      await expectGatewayError(() => jwks.getKey(issuer.currentKid), "JWKS_UNAVAILABLE", 503);
    }
  });

  it("skips keys it must not use: other key types, other algorithms, encryption keys, RSA under 2048 bits", async () => {
    const rsa1024 = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ format: "jwk" });
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "jwk" });
    const { keys } = (await (await fetch(issuer.jwksUri)).json()) as { keys: Record<string, unknown>[] };
    const good = keys[0]!;
    const document = {
      keys: [
        { ...ec, kid: "ec", alg: "ES256", use: "sig" },
        { ...rsa1024, kid: "short", alg: "RS256", use: "sig" },
        { ...good, kid: "enc", use: "enc" },
        { ...good, kid: "ps", alg: "PS256" },
        good,
      ],
    };
    const jwks = source({ fetch: staticFetch(JSON.stringify(document)) });
    await jwks.getKey(String(good.kid));
    for (const kid of ["ec", "short", "enc", "ps"]) {
      time.advance(30);
      await expectGatewayError(() => jwks.getKey(kid), "TOKEN_KID_UNKNOWN", 401);
    }
  });

  it("refuses a configuration without a positive cooldown, max age or timeout", async () => {
    for (const bad of [{ cooldownSeconds: 0 }, { cacheMaxAgeSeconds: -1 }, { timeoutMs: Number.NaN }]) {
      await expectGatewayError(() => source(bad), "OIDC_CONFIG_INVALID", 500);
    }
  });
});
