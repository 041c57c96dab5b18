import { expect } from "chai";

import { ProtocolError } from "../../../../client/src/protocol/errors";
import {
  type EgressRequest,
  type EgressRule,
  PolicyErrorCode,
  egressDecision,
  normalizeEgressRequest,
} from "../../../../client/src/protocol/policy";

const allowApi: EgressRule = {
  effect: "allow",
  scheme: "https",
  host: "api.example.com",
  port: "443",
  methods: ["GET", "POST"],
  pathPrefix: "/v1/",
};

const get = (over: Partial<EgressRequest> = {}): EgressRequest => ({
  scheme: "https",
  host: "api.example.com",
  port: "443",
  method: "GET",
  path: "/v1/items",
  ...over,
});

const rule = (over: Partial<EgressRule>): EgressRule => ({ ...allowApi, ...over });

describe("client/protocol/policy/egress", function () {
  it("allows a request an allow rule covers", function () {
    expect(egressDecision([allowApi], get())).to.equal("allow");
    expect(egressDecision([allowApi], get({ method: "POST", path: "/v1/items?page=2&q=a%2Fb" }))).to.equal("allow");
  });

  it("denies everything when there are no rules (default deny)", function () {
    expect(egressDecision([], get())).to.equal("deny");
  });

  it("denies a request no rule covers (default deny)", function () {
    expect(egressDecision([allowApi], get({ path: "/v2/items" }))).to.equal("deny");
    expect(egressDecision([allowApi], get({ method: "DELETE" }))).to.equal("deny");
    expect(egressDecision([allowApi], get({ host: "evil.com" }))).to.equal("deny");
  });

  it("lets a matching deny rule win over an allow rule, in either order", function () {
    const denyAll = rule({ effect: "deny", host: "*.example.com", methods: ["*"], pathPrefix: "/" });
    expect(egressDecision([allowApi, denyAll], get())).to.equal("deny");
    expect(egressDecision([denyAll, allowApi], get())).to.equal("deny");
    const denyAdmin = rule({ effect: "deny", pathPrefix: "/v1/admin" });
    expect(egressDecision([allowApi, denyAdmin], get({ path: "/v1/admin/users" }))).to.equal("deny");
    expect(egressDecision([allowApi, denyAdmin], get({ path: "/v1/items" }))).to.equal("allow");
  });

  describe("hosts", function () {
    const wildcard = rule({ host: "*.example.com" });

    it("does not let a wildcard match its bare suffix", function () {
      expect(egressDecision([wildcard], get({ host: "example.com" }))).to.equal("deny");
    });

    it("lets a wildcard match one or more labels below the suffix", function () {
      expect(egressDecision([wildcard], get({ host: "api.example.com" }))).to.equal("allow");
      expect(egressDecision([wildcard], get({ host: "a.b.example.com" }))).to.equal("allow");
    });

    it("does not let a wildcard match a name that merely ends with the suffix text", function () {
      expect(egressDecision([wildcard], get({ host: "evilexample.com" }))).to.equal("deny");
      expect(egressDecision([wildcard], get({ host: "example.com.evil.net" }))).to.equal("deny");
    });

    it("normalizes an uppercase request host, so it cannot slip past a deny rule", function () {
      expect(egressDecision([allowApi], get({ host: "API.Example.COM" }))).to.equal("allow");
      const deny = rule({ effect: "deny", methods: ["*"], pathPrefix: "/" });
      const allowAll = rule({ host: "*.example.com", methods: ["*"], pathPrefix: "/" });
      expect(egressDecision([allowAll, deny], get({ host: "API.EXAMPLE.COM" }))).to.equal("deny");
    });

    it("denies hosts with a second spelling: trailing dot, port, userinfo, IP literal", function () {
      const allowAll = rule({ host: "*.example.com", methods: ["*"], pathPrefix: "/" });
      for (const host of ["api.example.com.", "api.example.com:443", "u@api.example.com", "127.0.0.1", "[::1]", ""]) {
        expect(egressDecision([allowAll], get({ host })), host).to.equal("deny");
      }
    });
  });

  describe("scheme, port and method", function () {
    it("denies a scheme mismatch", function () {
      expect(egressDecision([allowApi], get({ scheme: "http" }))).to.equal("deny");
      expect(egressDecision([allowApi], get({ scheme: "https:" }))).to.equal("deny");
      expect(egressDecision([allowApi], get({ scheme: "HTTPS" }))).to.equal("allow");
    });

    it("denies a port mismatch", function () {
      expect(egressDecision([allowApi], get({ port: "8443" }))).to.equal("deny");
      expect(egressDecision([allowApi], get({ port: 8443 }))).to.equal("deny");
      expect(egressDecision([allowApi], get({ port: 443 }))).to.equal("allow");
    });

    it("denies a port with a second spelling or none at all", function () {
      for (const port of ["0443", "", "443.0", "65536", 0, 443.5, Number.NaN]) {
        expect(egressDecision([allowApi], get({ port })), String(port)).to.equal("deny");
      }
    });

    it('lets methods ["*"] match any method token', function () {
      const any = rule({ methods: ["*"] });
      for (const method of ["GET", "DELETE", "PATCH", "PROPFIND"]) {
        expect(egressDecision([any], get({ method })), method).to.equal("allow");
      }
    });

    it("denies a lowercase or malformed method, even under a * rule", function () {
      const any = rule({ methods: ["*"] });
      for (const method of ["get", "Get", "", "GET ", "G\tET"]) {
        expect(egressDecision([any], get({ method })), JSON.stringify(method)).to.equal("deny");
      }
    });
  });

  describe("paths", function () {
    const allowAll = rule({ methods: ["*"], pathPrefix: "/" });
    const denyAdmin = rule({ effect: "deny", methods: ["*"], pathPrefix: "/admin" });

    it("denies path traversal out of an allowed prefix", function () {
      for (const path of [
        "/v1/../admin",
        "/v1/..",
        "/v1/./items",
        "/v1/%2e%2e/admin",
        "/v1/%2E%2E/admin",
        "/v1/.%2e/x",
      ]) {
        expect(egressDecision([allowApi], get({ path })), path).to.equal("deny");
      }
    });

    it("denies encoded slashes and backslashes", function () {
      for (const path of ["/v1\\admin", "/v1/..\\admin", "/v1%2fadmin", "/v1/x%2F..%2Fadmin", "/v1/%5cadmin"]) {
        expect(egressDecision([allowApi], get({ path })), path).to.equal("deny");
      }
    });

    it("denies second spellings of a denied path: encoded letters, double encoding, empty segments, ;params", function () {
      expect(egressDecision([allowAll, denyAdmin], get({ path: "/admin/users" }))).to.equal("deny");
      for (const path of [
        "/%61dmin/users",
        "/%252e%252e/admin",
        "//admin/users",
        "/admin;x=1/users",
        "/x/%2E%2E/admin",
      ]) {
        expect(egressDecision([allowAll, denyAdmin], get({ path })), path).to.equal("deny");
      }
    });

    it("denies a path that is relative, has a fragment, control characters or raw non-ASCII", function () {
      for (const path of [
        "v1/items",
        "",
        "*",
        "/v1/items#frag",
        "/v1/it ems",
        "/v1/\u0000",
        "/v1/caf\u00e9",
        "/v1/%zz",
      ]) {
        expect(egressDecision([allowApi], get({ path })), JSON.stringify(path)).to.equal("deny");
      }
    });

    it("allows percent-encoded characters that cannot appear raw", function () {
      expect(egressDecision([allowApi], get({ path: "/v1/caf%C3%A9/a%20b" }))).to.equal("allow");
      expect(egressDecision([allowApi], get({ path: "/v1/caf%c3%a9" }))).to.equal("deny");
    });

    it("matches pathPrefix as a plain prefix of the path, not of the query", function () {
      expect(egressDecision([allowApi], get({ path: "/v1?redirect=/v1/" }))).to.equal("deny");
      expect(egressDecision([allowApi], get({ path: "/v1/" }))).to.equal("allow");
    });
  });

  describe("rules given outside a parsed capsule", function () {
    it("throws POLICY_SCHEMA_INVALID for a rule outside the grammar rather than guessing", function () {
      const bad = [rule({ host: "API.example.com" })];
      try {
        egressDecision(bad, get());
        expect.fail("expected a ProtocolError");
      } catch (err) {
        expect(err).to.be.instanceOf(ProtocolError);
        expect((err as ProtocolError).code).to.equal(PolicyErrorCode.SchemaInvalid);
        expect((err as ProtocolError).message).to.contain("egress.rules[0].host");
      }
    });
  });

  describe("normalizeEgressRequest", function () {
    it("returns the one spelling rules are matched against", function () {
      const normalized = normalizeEgressRequest(
        get({ scheme: "HTTPS", host: "Api.Example.com", port: 443, path: "/v1/x?y=1" }),
      );
      expect(normalized).to.deep.equal({
        scheme: "https",
        host: "api.example.com",
        port: "443",
        method: "GET",
        path: "/v1/x",
      });
    });
  });
});
