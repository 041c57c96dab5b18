import { expect } from "chai";
import { createLocalJWKSet, jwtVerify } from "jose";
import { type DevOidcIssuer, GITHUB_CLAIMS_SUPPORTED, startDevOidcIssuer } from "../../../devnet/oidc";
import { fetchIdToken, headerOf, manualClock, payloadOf } from "../../gateway/oidc/fixtures";
import { fixturesDir, readText } from "../../support/fixtures";

describe("devnet/oidc issuer", () => {
  const time = manualClock();
  let issuer: DevOidcIssuer;

  beforeEach(async () => {
    issuer = await startDevOidcIssuer({ clock: time.clock });
  });
  afterEach(() => issuer.stop());

  const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });

  describe("discovery and keys", () => {
    it("serves an openid-configuration naming itself, its JWKS, RS256 and GitHub's claims", async () => {
      const response = await get(`${issuer.url}/.well-known/openid-configuration`);
      expect(response.status).to.equal(200);
      const config = (await response.json()) as Record<string, unknown>;
      expect(issuer.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(config.issuer).to.equal(issuer.url);
      expect(config.jwks_uri).to.equal(`${issuer.url}/.well-known/jwks`);
      expect(config.response_types_supported).to.deep.equal(["id_token"]);
      expect(config.id_token_signing_alg_values_supported).to.deep.equal(["RS256"]);
      expect(config.claims_supported).to.deep.equal([...GITHUB_CLAIMS_SUPPORTED]);
    });

    it("lists exactly GitHub's published claims_supported", function () {
      const dir = fixturesDir();
      if (dir === undefined) this.skip();
      const github = JSON.parse(readText(dir, "oidc/github-openid-configuration.json")) as Record<string, unknown>;
      expect([...GITHUB_CLAIMS_SUPPORTED]).to.deep.equal(github.claims_supported);
    });

    it("publishes RSA public keys only, with kid, alg RS256 and use sig", async () => {
      const { keys } = (await (await get(issuer.jwksUri)).json()) as { keys: Record<string, unknown>[] };
      expect(keys).to.have.length(1);
      expect(Object.keys(keys[0]!).sort()).to.deep.equal(["alg", "e", "kid", "kty", "n", "use"]);
      expect(keys[0]).to.include({ kty: "RSA", alg: "RS256", use: "sig", kid: issuer.currentKid });
    });

    it("rotates: a new key signs from then on, the old one stays published until retired", async () => {
      const oldKid = issuer.currentKid;
      const newKid = await issuer.rotateKey();
      expect(newKid).to.not.equal(oldKid);
      expect(headerOf(issuer.mint()).kid).to.equal(newKid);
      const kids = async () =>
        ((await (await get(issuer.jwksUri)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
      expect(await kids()).to.deep.equal([oldKid, newKid]);
      issuer.retireOldKeys();
      expect(await kids()).to.deep.equal([newKid]);
    });

    it("answers 503 from the JWKS while switched off, and counts every JWKS request", async () => {
      issuer.setJwksAvailable(false);
      expect((await get(issuer.jwksUri)).status).to.equal(503);
      issuer.setJwksAvailable(true);
      expect((await get(issuer.jwksUri)).status).to.equal(200);
      expect(issuer.jwksRequests).to.equal(2);
    });

    it("answers 404 for unknown paths and 405 for methods other than GET", async () => {
      expect((await get(`${issuer.url}/.well-known/jwks.json`)).status).to.equal(404);
      expect((await fetch(issuer.jwksUri, { method: "POST" })).status).to.equal(405);
    });
  });

  describe("runner token endpoint (GitHub's protocol)", () => {
    it("hands a run a request URL that already carries a query string, and a bearer request token", () => {
      const run = issuer.registerRun();
      expect(run.requestUrl).to.equal(`${issuer.url}/token?api-version=2.0`);
      expect(run.requestToken).to.match(/^[A-Za-z0-9_-]{43}$/);
      expect(issuer.registerRun().requestToken).to.not.equal(run.requestToken);
    });

    it("answers {count, value} with the token for the requested audience", async () => {
      const run = issuer.registerRun();
      const audience =
        "swarm:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3:0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
      const response = await get(`${run.requestUrl}&audience=${encodeURIComponent(audience)}`, {
        authorization: `Bearer ${run.requestToken}`,
      });
      expect(response.status).to.equal(200);
      expect(response.headers.get("content-type")).to.match(/^application\/json/);
      const body = (await response.json()) as { count: unknown; value: string };
      expect(Object.keys(body)).to.deep.equal(["count", "value"]);
      expect(body.count).to.equal(body.value.length);
      expect(payloadOf(body.value).aud).to.equal(audience);
    });

    it("gives GitHub's default audience (the owner's URL) when none is requested", async () => {
      const token = await fetchIdToken(issuer.registerRun({ repository: "acme/widgets" }));
      expect(payloadOf(token).aud).to.equal("https://github.com/acme");
    });

    it("refuses a request without the bearer request token, or with a wrong one, with 401", async () => {
      const run = issuer.registerRun();
      const other = issuer.registerRun();
      expect((await get(run.requestUrl)).status).to.equal(401);
      expect((await get(run.requestUrl, { authorization: `Bearer ${run.requestToken}x` })).status).to.equal(401);
      expect((await get(run.requestUrl, { authorization: `Basic ${run.requestToken}` })).status).to.equal(401);
      expect((await get(run.requestUrl, { authorization: run.requestToken })).status).to.equal(401);
      const response = await get(run.requestUrl, { authorization: `Bearer ${other.requestToken}` });
      expect(response.status).to.equal(200);
    });

    it("maps each request token to its own run", async () => {
      const a = await fetchIdToken(issuer.registerRun({ runId: "1001" }));
      const b = await fetchIdToken(issuer.registerRun({ runId: "1002", runAttempt: "3" }));
      expect(payloadOf(a)).to.include({ run_id: "1001", run_attempt: "1" });
      expect(payloadOf(b)).to.include({ run_id: "1002", run_attempt: "3" });
    });

    it("refuses a request without api-version=2.0 or with two audiences (400)", async () => {
      const run = issuer.registerRun();
      const auth = { authorization: `Bearer ${run.requestToken}` };
      expect((await get(`${issuer.url}/token`, auth)).status).to.equal(400);
      expect((await get(`${run.requestUrl}&audience=a&audience=b`, auth)).status).to.equal(400);
    });

    it("signs tokens that verify against its published JWKS, with a fresh jti each time", async () => {
      const run = issuer.registerRun();
      const jwks = createLocalJWKSet((await (await get(issuer.jwksUri)).json()) as { keys: [] });
      const first = await fetchIdToken(run, "aud-1");
      const second = await fetchIdToken(run, "aud-1");
      const { payload, protectedHeader } = await jwtVerify(first, jwks, {
        issuer: issuer.issuer,
        audience: "aud-1",
        currentDate: time.clock(),
        algorithms: ["RS256"],
      });
      expect(protectedHeader).to.deep.equal({ typ: "JWT", alg: "RS256", kid: issuer.currentKid });
      expect(payload.jti).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(payloadOf(second).jti).to.not.equal(payload.jti);
    });

    it("stops listening when stopped", async () => {
      const url = issuer.jwksUri;
      await issuer.stop();
      let failed = false;
      await fetch(url).catch(() => (failed = true));
      expect(failed).to.equal(true);
      issuer = await startDevOidcIssuer({ clock: time.clock });
    });
  });
});
