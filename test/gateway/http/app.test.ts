import { expect } from "chai";
import { GatewayError } from "../../../gateway/src/errors";
import { createGatewayApp } from "../../../gateway/src/http/app";
import { INTERNAL_MESSAGE } from "../../../gateway/src/http/errorHandler";
import { CANNED, servicesDouble } from "./servicesDouble";
import { type TestGateway, call, codeOf, manualClock, startTestGateway } from "./harness";
import pino from "pino";

describe("gateway/http app", () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startTestGateway();
  });
  afterEach(() => gw.close());

  describe("routes", () => {
    it("POST /v1/sessions opens a session: 201 { session }, the body handed over as parsed", async () => {
      const body = { runId: "1", runAttempt: "1", workerKey: { kty: "OKP" } };
      const res = await call(gw, "POST", "/v1/sessions", { body });
      expect(res.status).to.equal(201);
      expect(res.json).to.deep.equal({ session: CANNED.session });
      expect(gw.double.calls[0]!.method).to.equal("openSession");
      expect(gw.double.calls[0]!.args[1]).to.deep.equal(body);
    });

    it("GET /v1/sessions lists an entitlement's sessions: 200 { sessions }", async () => {
      const res = await call(
        gw,
        "GET",
        "/v1/sessions?entitlementId=115792089237316195423570985008687907853269984665640564039457584007913129639935",
      );
      expect(res.status).to.equal(200);
      expect(res.json).to.deep.equal({ sessions: [CANNED.session] });
      expect(gw.double.calls[0]!.args[1]).to.equal(
        "115792089237316195423570985008687907853269984665640564039457584007913129639935",
      );
    });

    it("POST /v1/sessions/:id/permit attaches a permit: 200 { session }", async () => {
      const res = await call(gw, "POST", "/v1/sessions/sess_01/permit", { body: { permit: {}, signature: "0x" } });
      expect(res.status).to.equal(200);
      expect(res.json).to.deep.equal({ session: { ...CANNED.session, hasPermit: true } });
      expect(gw.double.calls[0]!.args[1]).to.equal("sess_01");
    });

    it("GET /v1/sessions/:id/permit answers { permit, signature }", async () => {
      const res = await call(gw, "GET", "/v1/sessions/sess_01/permit");
      expect(res.status).to.equal(200);
      expect(res.json).to.deep.equal({ permit: CANNED.permit, signature: CANNED.signature });
    });

    it("POST /v1/caps answers exactly { jwe, txHash, receiptSeq, redelivery }, dropping anything else a service adds", async () => {
      const res = await call(gw, "POST", "/v1/caps", { body: { permit: {} } });
      expect(res.status).to.equal(200);
      expect(res.json).to.deep.equal(CANNED.caps);
    });

    it("POST /v1/state-keys answers { jwe, receiptSeq }", async () => {
      const res = await call(gw, "POST", "/v1/state-keys", { body: { request: {} } });
      expect(res.status).to.equal(200);
      expect(res.json).to.deep.equal(CANNED.stateKeys);
    });

    it("GET /v1/receipts/:seq answers { receipt }", async () => {
      const res = await call(gw, "GET", "/v1/receipts/18446744073709551615");
      expect(res.status).to.equal(200);
      expect(res.json).to.deep.equal({ receipt: CANNED.receipt });
      expect(gw.double.calls[0]!.args).to.deep.equal(["18446744073709551615"]);
    });

    it("GET /v1/receipts?from=&to= answers { receipts }", async () => {
      const res = await call(gw, "GET", "/v1/receipts?from=0&to=5");
      expect(res.status).to.equal(200);
      expect(res.json).to.deep.equal({ receipts: [CANNED.receipt] });
      expect(gw.double.calls[0]!.args).to.deep.equal(["0", "5"]);
    });

    it("GET /v1/checkpoint answers { checkpoint }", async () => {
      const res = await call(gw, "GET", "/v1/checkpoint");
      expect(res.status).to.equal(200);
      expect(res.json).to.deep.equal({ checkpoint: CANNED.checkpoint });
    });

    it("GET /v1/checkpoint is 404 NOT_FOUND when the services publish no checkpoint", async () => {
      const other = await startTestGateway({ double: servicesDouble({ checkpoint: false }) });
      try {
        const res = await call(other, "GET", "/v1/checkpoint");
        expect(res.status).to.equal(404);
        expect(codeOf(res)).to.equal("NOT_FOUND");
      } finally {
        await other.close();
      }
    });

    it("GET /.well-known/swarm-gateway.json answers the services' document as it is", async () => {
      const res = await call(gw, "GET", "/.well-known/swarm-gateway.json");
      expect(res.status).to.equal(200);
      expect(res.json).to.deep.equal(CANNED.wellKnown);
    });

    it("HEAD on a GET route answers its status with no body", async () => {
      const res = await call(gw, "HEAD", "/healthz");
      expect(res.status).to.equal(200);
      expect(res.text).to.equal("");
    });
  });

  describe("request context", () => {
    const bearerOfCall = async (authorization: string | undefined) => {
      await call(gw, "GET", "/v1/sessions/sess_01/permit", authorization ? { headers: { authorization } } : {});
      return gw.double.lastContext()?.bearer;
    };

    it("hands the bearer token to the service, with the scheme matched case-insensitively", async () => {
      expect(await bearerOfCall("Bearer abc.def.ghi")).to.equal("abc.def.ghi");
      expect(await bearerOfCall("bEaReR abc.def.ghi")).to.equal("abc.def.ghi");
    });

    it("hands no bearer for another scheme, the scheme alone, or no header", async () => {
      expect(await bearerOfCall("Basic dXNlcjpwYXNz")).to.equal(undefined);
      expect(await bearerOfCall("Bearer")).to.equal(undefined);
      expect(await bearerOfCall(undefined)).to.equal(undefined);
    });

    it("takes the peer address from the socket and ignores X-Forwarded-For unless a proxy is trusted", async () => {
      await call(gw, "GET", "/v1/sessions/sess_01/permit", { headers: { "x-forwarded-for": "203.0.113.9" } });
      expect(gw.double.lastContext()!.remoteAddress).to.match(/127\.0\.0\.1$/);
      const proxied = await startTestGateway({ http: { trustProxy: "loopback" } });
      try {
        await call(proxied, "GET", "/v1/sessions/sess_01/permit", { headers: { "x-forwarded-for": "203.0.113.9" } });
        expect(proxied.double.lastContext()!.remoteAddress).to.equal("203.0.113.9");
      } finally {
        await proxied.close();
      }
    });

    it("gives each request a fresh random id, echoed as X-Request-Id", async () => {
      const a = await call(gw, "GET", "/v1/sessions/sess_01/permit");
      const idA = gw.double.lastContext()!.requestId;
      const b = await call(gw, "GET", "/v1/sessions/sess_01/permit");
      expect(a.headers.get("x-request-id")).to.equal(idA);
      expect(b.headers.get("x-request-id")).to.match(/^[0-9a-f-]{36}$/);
      expect(b.headers.get("x-request-id")).to.not.equal(idA);
    });
  });

  describe("security headers", () => {
    it("sends nosniff and Cache-Control: no-store on /v1, and never X-Powered-By", async () => {
      for (const res of [await call(gw, "GET", "/v1/checkpoint"), await call(gw, "GET", "/v1/nothing")]) {
        expect(res.headers.get("x-content-type-options")).to.equal("nosniff");
        expect(res.headers.get("cache-control")).to.equal("no-store");
        expect(res.headers.get("x-powered-by")).to.equal(null);
      }
      const health = await call(gw, "GET", "/healthz");
      expect(health.headers.get("x-content-type-options")).to.equal("nosniff");
      expect(health.headers.get("x-powered-by")).to.equal(null);
    });
  });

  describe("errors", () => {
    it("maps a service's GatewayError to its status and code, in the one error shape", async () => {
      gw.double.failWith("releaseCaps", new GatewayError("TOKEN_EXPIRED", 401, "expected exp > now"));
      const res = await call(gw, "POST", "/v1/caps", { body: {} });
      expect(res.status).to.equal(401);
      expect(res.json).to.deep.equal({ error: { code: "TOKEN_EXPIRED", message: "expected exp > now" } });
      expect(res.headers.get("www-authenticate")).to.equal("Bearer");
    });

    it("answers a dependency outage (a 503 GatewayError) with 503 and its code", async () => {
      gw.double.failWith("openSession", new GatewayError("JWKS_UNAVAILABLE", 503, "JWKS fetch failed"));
      const res = await call(gw, "POST", "/v1/sessions", { body: {} });
      expect(res.status).to.equal(503);
      expect(codeOf(res)).to.equal("JWKS_UNAVAILABLE");
    });

    it("hides an unexpected throw behind 500 INTERNAL without leaking its message", async () => {
      gw.double.failWith("receipt", new Error("ledger at /var/secret/path exploded: key=deadbeef"));
      const res = await call(gw, "GET", "/v1/receipts/1");
      expect(res.status).to.equal(500);
      expect(res.json).to.deep.equal({ error: { code: "INTERNAL", message: INTERNAL_MESSAGE } });
      expect(res.text).to.not.include("deadbeef");
      const logged = gw.logLines().find((l) => l.msg === "unexpected error");
      expect(logged?.reqId).to.equal(res.headers.get("x-request-id"));
    });

    it("treats a GatewayError carrying a non-error status as unexpected (500 INTERNAL), never as success", async () => {
      gw.double.failWith("receipt", new GatewayError("ODD", 200, "not an error status"));
      const res = await call(gw, "GET", "/v1/receipts/1");
      expect(res.status).to.equal(500);
      expect(codeOf(res)).to.equal("INTERNAL");
    });

    it("treats a thrown non-Error value as 500 INTERNAL", async () => {
      gw.double.failWith("receipt", "a string");
      const res = await call(gw, "GET", "/v1/receipts/1");
      expect(res.status).to.equal(500);
      expect(codeOf(res)).to.equal("INTERNAL");
    });

    it("refuses an unknown route with 404 NOT_FOUND", async () => {
      for (const path of ["/v1/nope", "/", "/v1/caps/", "/V1/caps", "/v1/sessions/a/b/permit"]) {
        const res = await call(gw, "GET", path);
        expect(res.status, path).to.equal(404);
        expect(codeOf(res), path).to.equal("NOT_FOUND");
      }
    });

    it("refuses a known path with the wrong method: 405 METHOD_NOT_ALLOWED with Allow", async () => {
      const res = await call(gw, "DELETE", "/v1/sessions/sess_01/permit");
      expect(res.status).to.equal(405);
      expect(codeOf(res)).to.equal("METHOD_NOT_ALLOWED");
      expect(res.headers.get("allow")).to.equal("POST, GET, HEAD");
      const caps = await call(gw, "GET", "/v1/caps");
      expect(caps.status).to.equal(405);
      expect(caps.headers.get("allow")).to.equal("POST");
      expect(gw.double.calls).to.have.length(0);
    });

    it("refuses an entitlementId that is not a canonical decimal: 400 QUERY_INVALID, no service call", async () => {
      const bad = [
        "",
        "?entitlementId=",
        "?entitlementId=01",
        "?entitlementId=-1",
        "?entitlementId=1e3",
        "?entitlementId=0x10",
        "?entitlementId=1&entitlementId=2",
        "?entitlementId[a]=1",
        "?entitlementId=1&extra=2",
        `?entitlementId=${(1n << 256n).toString()}`,
      ];
      for (const query of bad) {
        const res = await call(gw, "GET", `/v1/sessions${query}`);
        expect(res.status, query).to.equal(400);
        expect(codeOf(res), query).to.equal("QUERY_INVALID");
      }
      expect(gw.double.calls).to.have.length(0);
    });

    it("refuses a receipt range that is not two uint64 decimals with from ≤ to: 400 QUERY_INVALID", async () => {
      for (const query of ["?from=1", "?to=1", "?from=2&to=1", "?from=a&to=1", "?from=0&to=18446744073709551616"]) {
        const res = await call(gw, "GET", `/v1/receipts${query}`);
        expect(res.status, query).to.equal(400);
        expect(codeOf(res), query).to.equal("QUERY_INVALID");
      }
      expect(gw.double.calls).to.have.length(0);
    });

    it("refuses a malformed path parameter: 400 PARAM_INVALID, no service call", async () => {
      for (const path of [
        "/v1/receipts/01",
        "/v1/receipts/-1",
        "/v1/sessions/a%2Fb/permit",
        "/v1/sessions/%ff/permit",
      ]) {
        const res = await call(gw, "GET", path);
        expect(res.status, path).to.equal(400);
        expect(codeOf(res), path).to.equal("PARAM_INVALID");
      }
      const long = await call(gw, "GET", `/v1/sessions/${"a".repeat(129)}/permit`);
      expect(codeOf(long)).to.equal("PARAM_INVALID");
      expect(gw.double.calls).to.have.length(0);
    });
  });

  describe("handler timeout", () => {
    it("answers 503 TIMEOUT when a service call outlives handlerTimeoutMs, and survives its late failure", async () => {
      const slow = await startTestGateway({ http: { handlerTimeoutMs: 50 } });
      try {
        slow.double.delay("releaseCaps", 200);
        slow.double.failWith("releaseCaps", new Error("late"));
        const res = await call(slow, "POST", "/v1/caps", { body: {} });
        expect(res.status).to.equal(503);
        expect(codeOf(res)).to.equal("TIMEOUT");
        await new Promise((resolve) => setTimeout(resolve, 250));
        expect((await call(slow, "GET", "/healthz")).status).to.equal(200);
        expect(slow.logLines().some((l) => l.msg === "a handler failed after its timeout")).to.equal(true);
      } finally {
        await slow.close();
      }
    });
  });

  describe("configuration", () => {
    it("refuses out-of-range limits at startup with HTTP_CONFIG_INVALID", () => {
      const logger = pino({ enabled: false });
      const make = (http: object) => () =>
        createGatewayApp(servicesDouble().services, {
          logger,
          clock: manualClock().clock,
          defaultMetrics: false,
          ...http,
        });
      for (const bad of [
        { bodyLimitBytes: 0 },
        { handlerTimeoutMs: -1 },
        { rateLimit: { burst: 0.5 } },
        { maxJsonDepth: NaN },
      ]) {
        expect(make(bad)).to.throw(GatewayError).with.property("code", "HTTP_CONFIG_INVALID");
      }
    });
  });
});
