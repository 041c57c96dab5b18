import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { expect } from "chai";
import { type DevOidcIssuer, startDevOidcIssuer } from "../../../devnet/oidc";
import { expectedAudience } from "../../../client/src/protocol/policy";
import { createJwksSource } from "../../../gateway/src/oidc/jwks";
import { type VerifyTokenOptions, verifyRunnerToken } from "../../../gateway/src/oidc/verifyToken";
import {
  AUDIENCE,
  MARKET,
  OTHER_GATEWAY,
  type ManualClock,
  expectGatewayError,
  fetchIdToken,
  manualClock,
  payloadOf,
} from "./fixtures";
import { fixturesDir, readCompact, readText, servingFetch } from "../../support/fixtures";

describe("gateway/oidc verifyRunnerToken", () => {
  let issuer: DevOidcIssuer;
  let time: ManualClock;

  before(async () => {
    time = manualClock();
    issuer = await startDevOidcIssuer({ clock: () => time.clock() });
  });
  after(() => issuer.stop());
  beforeEach(() => {
    time = manualClock();
  });

  function options(overrides: Partial<VerifyTokenOptions> = {}): VerifyTokenOptions {
    const clock = () => time.clock();
    return {
      jwks: createJwksSource({ url: issuer.jwksUri, fetch, clock }),
      issuer: issuer.issuer,
      audience: AUDIENCE,
      clock,
      leewaySeconds: 60,
      ...overrides,
    };
  }
  const verify = (token: unknown, overrides: Partial<VerifyTokenOptions> = {}) =>
    verifyRunnerToken(token, options(overrides));

  /** The issuer's public key as an attacker gets it: from the public JWKS, over HTTP. */
  async function publishedJwk(): Promise<Record<string, unknown>> {
    const { keys } = (await (await fetch(issuer.jwksUri)).json()) as { keys: Record<string, unknown>[] };
    return keys.find((k) => k.kid === issuer.currentKid)!;
  }

  it("accepts a token fetched through GitHub's runner protocol and returns GitHub's claims", async () => {
    const run = issuer.registerRun({ runId: "77", runAttempt: "2" });
    const claims = await verify(await fetchIdToken(run, AUDIENCE));
    expect(claims.iss).to.equal(issuer.issuer);
    expect(claims.aud).to.equal(AUDIENCE);
    expect(claims.run_id).to.equal("77");
    expect(claims.run_attempt).to.equal("2");
    expect(claims.repository).to.equal("octo-org/octo-repo");
  });

  it("refuses a request without a token", async () => {
    await expectGatewayError(() => verify(undefined), "TOKEN_MISSING", 401);
    await expectGatewayError(() => verify(""), "TOKEN_MISSING", 401);
  });

  it("refuses input that is not a compact JWS: a JWE, junk, an oversized blob", async () => {
    await expectGatewayError(() => verify("a.b.c.d.e"), "TOKEN_MALFORMED", 401);
    await expectGatewayError(() => verify("not a token"), "TOKEN_MALFORMED", 401);
    await expectGatewayError(() => verify(`${"a".repeat(20_000)}.b.c`), "TOKEN_MALFORMED", 401);
    await expectGatewayError(() => verify(42), "TOKEN_MALFORMED", 401);
    await expectGatewayError(() => verify("bm90IGpzb24.e30.sig"), "TOKEN_MALFORMED", 401);
  });

  it("refuses an unsigned token (alg none) before any key is fetched", async () => {
    const before = issuer.jwksRequests;
    await expectGatewayError(
      () => verify(issuer.mint({ aud: AUDIENCE }, { alg: "none" })),
      "TOKEN_ALG_NOT_ALLOWED",
      401,
    );
    const token = issuer.mint({ aud: AUDIENCE }, { alg: "none" });
    expect(token.endsWith(".")).to.equal(true);
    expect(issuer.jwksRequests).to.equal(before);
  });

  it("refuses HS256 keyed with the issuer's RSA public key as PEM (key confusion)", async () => {
    const pem = createPublicKey({ key: await publishedJwk(), format: "jwk" }).export({ type: "spki", format: "pem" });
    const before = issuer.jwksRequests;
    const forged = issuer.mint({ aud: AUDIENCE }, { alg: "HS256", hmacSecret: pem });
    await expectGatewayError(() => verify(forged), "TOKEN_ALG_NOT_ALLOWED", 401);
    expect(issuer.jwksRequests).to.equal(before);
  });

  it("refuses HS256 keyed with the issuer's public JWK as the HMAC secret", async () => {
    const jwk = await publishedJwk();
    for (const secret of [JSON.stringify(jwk), String(jwk.n)]) {
      const forged = issuer.mint({ aud: AUDIENCE }, { alg: "HS256", hmacSecret: secret });
      await expectGatewayError(() => verify(forged), "TOKEN_ALG_NOT_ALLOWED", 401);
    }
  });

  it("refuses other algorithms: ES256 and EdDSA with an attacker's key, PS256 and RS512 with the issuer's", async () => {
    for (const alg of ["ES256", "EdDSA", "PS256", "RS512", "rs256"]) {
      await expectGatewayError(() => verify(issuer.mint({ aud: AUDIENCE }, { alg })), "TOKEN_ALG_NOT_ALLOWED", 401);
    }
  });

  it("refuses a token signed by an attacker's RSA key under the issuer's kid, even with the key embedded", async () => {
    const attacker = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const jwk = attacker.publicKey.export({ format: "jwk" });
    const forged = issuer.mint(
      { aud: AUDIENCE },
      { signingKey: attacker.privateKey, header: { jwk, jku: "http://127.0.0.1:1/jwks" } },
    );
    await expectGatewayError(() => verify(forged), "TOKEN_SIGNATURE_INVALID", 401);
  });

  it("refuses a genuine token whose payload was swapped for another", async () => {
    const genuine = issuer.mint({ aud: AUDIENCE });
    const tampered = { ...payloadOf(genuine), repository: "evil-org/octo-repo" };
    const [header, , signature] = genuine.split(".");
    const forged = `${header}.${Buffer.from(JSON.stringify(tampered)).toString("base64url")}.${signature}`;
    await expectGatewayError(() => verify(forged), "TOKEN_SIGNATURE_INVALID", 401);
  });

  it("refuses a token without a kid", async () => {
    const token = issuer.mint({ aud: AUDIENCE }, { header: { kid: undefined } });
    await expectGatewayError(() => verify(token), "TOKEN_MALFORMED", 401);
  });

  it("refuses an expired token, allowing exactly the configured leeway", async () => {
    const token = issuer.mint({ aud: AUDIENCE });
    const exp = payloadOf(token).exp as number;
    time.advance(exp + 59 - time.seconds());
    await verify(token);
    time.advance(1);
    await expectGatewayError(() => verify(token), "TOKEN_EXPIRED", 401);
    await expectGatewayError(() => verify(token, { leewaySeconds: 0 }), "TOKEN_EXPIRED", 401);
  });

  it("refuses a token that is not valid yet (nbf beyond the leeway)", async () => {
    const now = time.seconds();
    await verify(issuer.mint({ aud: AUDIENCE, nbf: now + 60 }));
    await expectGatewayError(() => verify(issuer.mint({ aud: AUDIENCE, nbf: now + 61 })), "TOKEN_NOT_YET_VALID", 401);
  });

  it("refuses a token issued in the future (iat beyond the leeway)", async () => {
    const now = time.seconds();
    await verify(issuer.mint({ aud: AUDIENCE, iat: now + 60 }));
    await expectGatewayError(() => verify(issuer.mint({ aud: AUDIENCE, iat: now + 61 })), "TOKEN_IAT_INVALID", 401);
  });

  it("refuses an issuer that differs by a trailing slash, in either direction", async () => {
    const slashed = issuer.mint({ aud: AUDIENCE, iss: `${issuer.issuer}/` });
    await expectGatewayError(() => verify(slashed), "TOKEN_ISSUER_MISMATCH", 401);
    const genuine = issuer.mint({ aud: AUDIENCE });
    await expectGatewayError(() => verify(genuine, { issuer: `${issuer.issuer}/` }), "TOKEN_ISSUER_MISMATCH", 401);
    await expectGatewayError(
      () => verify(issuer.mint({ aud: AUDIENCE, iss: undefined })),
      "TOKEN_ISSUER_MISMATCH",
      401,
    );
  });

  it("refuses a token minted for another gateway's audience", async () => {
    const run = issuer.registerRun();
    const elsewhere = await fetchIdToken(run, expectedAudience(31337n, MARKET, OTHER_GATEWAY));
    await expectGatewayError(() => verify(elsewhere), "TOKEN_AUDIENCE_MISMATCH", 401);
  });

  it("refuses GitHub's default audience, another chain's, and an audience list that includes ours", async () => {
    const run = issuer.registerRun();
    await expectGatewayError(async () => verify(await fetchIdToken(run)), "TOKEN_AUDIENCE_MISMATCH", 401);
    const otherChain = expectedAudience(8453n, MARKET, "0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
    await expectGatewayError(() => verify(issuer.mint({ aud: otherChain })), "TOKEN_AUDIENCE_MISMATCH", 401);
    const list = issuer.mint({ aud: [AUDIENCE, "sigstore"] });
    await expectGatewayError(() => verify(list), "TOKEN_AUDIENCE_MISMATCH", 401);
    await expectGatewayError(
      () => verify(issuer.mint({ aud: AUDIENCE.toUpperCase() })),
      "TOKEN_AUDIENCE_MISMATCH",
      401,
    );
  });

  it("refuses claims with the wrong types: run_id as a number, ref_protected as a boolean, exp as a string", async () => {
    const cases: Record<string, unknown>[] = [
      { run_id: 27476101517 },
      { run_attempt: 1 },
      { repository_id: 632596897 },
      { ref_protected: true },
      { sha: "30BACE97D4FBCD657D31D2DE06068AB14B491473" },
    ];
    for (const claims of cases) {
      await expectGatewayError(() => verify(issuer.mint({ aud: AUDIENCE, ...claims })), "TOKEN_CLAIM_INVALID", 401);
    }
    await expectGatewayError(
      () => verify(issuer.mint({ aud: AUDIENCE, exp: String(time.seconds() + 300) })),
      "TOKEN_CLAIM_INVALID",
      401,
    );
  });

  it("refuses a token missing a claim the gateway relies on", async () => {
    for (const claim of [
      "jti",
      "exp",
      "nbf",
      "iat",
      "job_workflow_sha",
      "job_workflow_ref",
      "repository_id",
      "runner_environment",
    ]) {
      const token = issuer.mint({ aud: AUDIENCE, [claim]: undefined });
      await expectGatewayError(() => verify(token), "TOKEN_CLAIM_INVALID", 401);
    }
  });

  it("refuses a configuration with more than 60 s of leeway", async () => {
    const token = issuer.mint({ aud: AUDIENCE });
    await expectGatewayError(() => verify(token, { leewaySeconds: 61 }), "OIDC_CONFIG_INVALID", 500);
    await expectGatewayError(() => verify(token, { leewaySeconds: -1 }), "OIDC_CONFIG_INVALID", 500);
    await expectGatewayError(() => verify(token, { leewaySeconds: 1.5 }), "OIDC_CONFIG_INVALID", 500);
  });
});

describe("gateway/oidc verifyRunnerToken on real GitHub Actions tokens", function () {
  const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";
  const dir = fixturesDir();
  before(function () {
    if (dir === undefined) this.skip();
  });

  /** Verifies a fixture token against a fixture JWKS at `atSeconds`, as the gateway would for GitHub. */
  function verifyFixture(tokenFile: string, jwksFile: string, audience: string, atSeconds: number) {
    const clock = () => new Date(atSeconds * 1000);
    const jwks = createJwksSource({
      url: `${GITHUB_ISSUER}/.well-known/jwks`,
      fetch: servingFetch(readText(dir!, jwksFile)),
      clock,
    });
    return verifyRunnerToken(readCompact(dir!, tokenFile), {
      jwks,
      issuer: GITHUB_ISSUER,
      audience,
      clock,
      leewaySeconds: 60,
    });
  }

  it("accepts a real 2026 token against GitHub's published JWKS, with every claim as GitHub typed it", async () => {
    const claims = await verifyFixture(
      "oidc/beacon/oidc-token.txt",
      "oidc/jwks/github-jwks-2025.json",
      "sigstore",
      1781377264,
    );
    const decoded = JSON.parse(readText(dir!, "oidc/claims/beacon-2026-06.decoded.json")) as { payload: object };
    expect(claims).to.deep.equal(decoded.payload);
  });

  it("refuses the same real token for another audience and after its lifetime", async () => {
    const token = "oidc/beacon/oidc-token.txt";
    const jwks = "oidc/jwks/github-jwks-2025.json";
    await expectGatewayError(() => verifyFixture(token, jwks, AUDIENCE, 1781377264), "TOKEN_AUDIENCE_MISMATCH", 401);
    await expectGatewayError(() => verifyFixture(token, jwks, "sigstore", 1781377564 + 60), "TOKEN_EXPIRED", 401);
  });

  it("refuses a real token with one signature character changed", async () => {
    await expectGatewayError(
      () =>
        verifyFixture(
          "oidc/flask-oidc/bad.jwt.txt",
          "oidc/jwks/github-jwks-2023-01.json",
          "https://github.com/nickolashkraus",
          1674498678,
        ),
      "TOKEN_SIGNATURE_INVALID",
      401,
    );
  });

  it("refuses a real 2023 token that predates the runner_environment claim", async () => {
    const failure = await expectGatewayError(
      () =>
        verifyFixture(
          "oidc/flask-oidc/expired.jwt.txt",
          "oidc/jwks/github-jwks-2023-01.json",
          "https://github.com/nickolashkraus",
          1674498678,
        ),
      "TOKEN_CLAIM_INVALID",
      401,
    );
    expect(failure.message).to.contain("runner_environment");
  });
});
