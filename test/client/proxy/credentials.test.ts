import { expect } from "chai";

import { netCapFromProxyAuthorization } from "../../../client/src/proxy";

const TOKEN = "eyJhbGciOiJFZERTQSJ9.eyJzdGVwIjoiMSJ9.c2ln";

describe("proxy/credentials: reading the netCap from Proxy-Authorization", () => {
  it("reads Bearer and Basic netcap:<token>", () => {
    expect(netCapFromProxyAuthorization(`Bearer ${TOKEN}`)).to.equal(TOKEN);
    expect(netCapFromProxyAuthorization(`Basic ${Buffer.from(`netcap:${TOKEN}`).toString("base64")}`)).to.equal(TOKEN);
  });

  it("rejects Basic credentials under another user name", () => {
    const header = `Basic ${Buffer.from(`admin:${TOKEN}`).toString("base64")}`;
    expect(() => netCapFromProxyAuthorization(header))
      .to.throw()
      .with.property("code", "PROXY_AUTH_MISSING");
  });

  it("rejects a missing, repeated or non-JWS credential", () => {
    for (const header of [
      undefined,
      [`Bearer ${TOKEN}`, `Bearer ${TOKEN}`],
      "Bearer",
      `Bearer ${TOKEN}.x`,
      "Digest abc",
    ]) {
      expect(() => netCapFromProxyAuthorization(header))
        .to.throw()
        .with.property("code", "PROXY_AUTH_MISSING");
    }
  });
});
