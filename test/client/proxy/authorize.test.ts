import { expect } from "chai";

import { authorizeConnect, authorizeRequest } from "../../../client/src/proxy";

const allowAll = {
  effect: "allow",
  scheme: "https",
  host: "*.example.com",
  port: "443",
  methods: ["*"],
  pathPrefix: "/",
};
const denyAdmin = {
  effect: "deny",
  scheme: "https",
  host: "admin.example.com",
  port: "443",
  methods: ["*"],
  pathPrefix: "/x",
};

describe("proxy/authorize: routes for requests and tunnels", () => {
  it("opens a tunnel under a wildcard rule for every method and path", () => {
    expect(() => authorizeConnect([allowAll], { host: "api.example.com", port: 443 })).to.not.throw();
  });

  it("rejects a tunnel to a host a deny rule touches, even for paths the deny rule does not cover", () => {
    expect(() => authorizeConnect([allowAll, denyAdmin], { host: "admin.example.com", port: 443 }))
      .to.throw()
      .with.property("code", "PROXY_CONNECT_DENIED");
  });

  it("rejects a tunnel to the bare suffix of a wildcard and to another port", () => {
    for (const authority of [
      { host: "example.com", port: 443 },
      { host: "api.example.com", port: 8443 },
    ]) {
      expect(() => authorizeConnect([allowAll], authority))
        .to.throw()
        .with.property("code", "PROXY_CONNECT_DENIED");
    }
  });

  it("rejects routes outside the capsule grammar instead of guessing", () => {
    expect(() => authorizeConnect([{ ...allowAll, extra: 1 }], { host: "api.example.com", port: 443 }))
      .to.throw()
      .with.property("code", "POLICY_SCHEMA_INVALID");
    const request = { scheme: "http", host: "a.example.com", port: 80, method: "GET", path: "/" };
    expect(() => authorizeRequest([{ ...allowAll, scheme: "ftp" }], request))
      .to.throw()
      .with.property("code", "POLICY_SCHEMA_INVALID");
  });
});
