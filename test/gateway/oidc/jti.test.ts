import { expect } from "chai";
import { type DevOidcIssuer, startDevOidcIssuer } from "../../../devnet/oidc";
import { MemoryJtiStore, verifyFreshJti } from "../../../gateway/src/oidc/jti";
import { createJwksSource } from "../../../gateway/src/oidc/jwks";
import { verifyRunnerToken } from "../../../gateway/src/oidc/verifyToken";
import { AUDIENCE, type ManualClock, defaultClaims, expectGatewayError, fetchIdToken, manualClock } from "./fixtures";

describe("gateway/oidc jti", () => {
  let time: ManualClock;
  beforeEach(() => {
    time = manualClock();
  });

  describe("with the devnet issuer", () => {
    let issuer: DevOidcIssuer;
    before(async () => {
      issuer = await startDevOidcIssuer({ clock: () => time.clock() });
    });
    after(() => issuer.stop());

    it("refuses a token replayed within its lifetime, and accepts fresh tokens of the same run", async () => {
      const clock = () => time.clock();
      const jwks = createJwksSource({ url: issuer.jwksUri, fetch, clock });
      const store = new MemoryJtiStore({ clock });
      const verify = (token: string) =>
        verifyRunnerToken(token, { jwks, issuer: issuer.issuer, audience: AUDIENCE, clock, leewaySeconds: 60 });
      const run = issuer.registerRun();
      const token = await fetchIdToken(run, AUDIENCE);
      await verifyFreshJti(await verify(token), store);
      time.advance(10);
      const replayed = await verify(token);
      await expectGatewayError(() => verifyFreshJti(replayed, store), "TOKEN_REPLAYED", 401);
      await verifyFreshJti(await verify(await fetchIdToken(run, AUDIENCE)), store);
    });
  });

  it("remembers a jti until exp plus the largest leeway, then forgets it", async () => {
    const store = new MemoryJtiStore({ clock: time.clock });
    const claims = defaultClaims({ jti: "j-1", exp: time.seconds() + 300 });
    await verifyFreshJti(claims, store);
    time.advance(359);
    await expectGatewayError(() => verifyFreshJti(claims, store), "TOKEN_REPLAYED", 401);
    time.advance(1);
    await verifyFreshJti(claims, store);
  });

  it("forgets expired entries so that it stays bounded", () => {
    const store = new MemoryJtiStore({ clock: time.clock, sweepIntervalSeconds: 60 });
    for (let i = 0; i < 100; i++) expect(store.claim(`j-${i}`, time.seconds() + 30)).to.equal(true);
    expect(store.size).to.equal(100);
    time.advance(60);
    expect(store.claim("later", time.seconds() + 30)).to.equal(true);
    expect(store.size).to.equal(1);
  });

  it("refuses new tokens when full of live entries rather than evicting one (which would allow its replay)", async () => {
    const store = new MemoryJtiStore({ clock: time.clock, maxEntries: 3 });
    for (const jti of ["a", "b", "c"]) expect(store.claim(jti, time.seconds() + 300)).to.equal(true);
    await expectGatewayError(() => store.claim("d", time.seconds() + 300), "JTI_STORE_FULL", 503);
    expect(store.claim("a", time.seconds() + 300)).to.equal(false);
    time.advance(300);
    expect(store.claim("d", time.seconds() + 300)).to.equal(true);
    expect(store.size).to.equal(1);
  });
});
