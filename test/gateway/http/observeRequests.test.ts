import { expect } from "chai";
import { GatewayError } from "../../../gateway/src/errors";
import { CANNED } from "./servicesDouble";
import { type TestGateway, call, startTestGateway } from "./harness";

describe("gateway/http request logging", () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startTestGateway();
  });
  afterEach(() => gw.close());

  const requestLines = () => gw.logLines().filter((l) => l.msg === "request");

  it("writes one JSON line per request with id, method, route template, status and duration", async () => {
    const res = await call(gw, "GET", "/v1/sessions/sess_01/permit");
    await call(gw, "GET", "/v1/missing");
    const [first, second] = requestLines();
    expect(requestLines()).to.have.length(2);
    expect(first).to.include({
      reqId: res.headers.get("x-request-id"),
      method: "GET",
      route: "/v1/sessions/:id/permit",
      status: 200,
      component: "http",
    });
    expect(first!.durationMs).to.be.a("number");
    expect(second).to.include({ route: "unmatched", status: 404, code: "NOT_FOUND" });
  });

  it("never logs the bearer token, a JWE, a signature or a secret from a request, its body or its answer", async () => {
    const bearer = "eyJhbGciOiJSUzI1NiJ9.LOGGED-BEARER-PAYLOAD.LOGGED-BEARER-SIG";
    const body = {
      jwe: "LOGGED-JWE-VALUE.a.b.c.d",
      signature: "0xLOGGEDSIGNATUREVALUE",
      secret: "LOGGED-SECRET-VALUE",
      nested: { privateKey: "LOGGED-PRIVATE-KEY" },
    };
    const headers = { authorization: `Bearer ${bearer}` };
    await call(gw, "POST", "/v1/caps", { body, headers });
    await call(gw, "POST", "/v1/caps", { raw: JSON.stringify(body).slice(0, -1), headers });
    gw.double.failWith("stateKeys", new Error("boom"));
    await call(gw, "POST", "/v1/state-keys", { body, headers });
    gw.double.failWith("releaseCaps", new GatewayError("TOKEN_EXPIRED", 401, "expected exp > now"));
    await call(gw, "POST", "/v1/caps", { body, headers });

    const log = gw.logText();
    expect(requestLines()).to.have.length(4);
    for (const secret of [
      bearer,
      "LOGGED-BEARER-PAYLOAD",
      "LOGGED-JWE-VALUE",
      "LOGGEDSIGNATUREVALUE",
      "LOGGED-SECRET-VALUE",
      "LOGGED-PRIVATE-KEY",
      CANNED.caps.jwe,
      "CANNED-CAPS-CIPHERTEXT",
    ]) {
      expect(log, secret).to.not.include(secret);
    }
  });

  it("logs an unexpected error with the request id, and a 5xx refusal with its code", async () => {
    gw.double.failWith("receipt", new TypeError("cannot read x of undefined"));
    const res = await call(gw, "GET", "/v1/receipts/4");
    const line = gw.logLines().find((l) => l.msg === "unexpected error");
    expect(line).to.include({ reqId: res.headers.get("x-request-id"), level: 50 });
    expect((line!.error as { type: string }).type).to.equal("TypeError");
    gw.double.failWith("receipt", new GatewayError("LEDGER_UNAVAILABLE", 503, "disk"));
    await call(gw, "GET", "/v1/receipts/4");
    expect(gw.logLines().find((l) => l.msg === "refused: unavailable")).to.include({ code: "LEDGER_UNAVAILABLE" });
  });

  it("logs a request whose client went away before the answer as aborted", async () => {
    gw.double.delay("receipt", 200);
    const controller = new AbortController();
    const pending = fetch(`${gw.url}/v1/receipts/4`, { signal: controller.signal }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    await pending;
    await new Promise((resolve) => setTimeout(resolve, 250));
    const line = requestLines().find((l) => l.route === "/v1/receipts/:seq");
    expect(line).to.include({ aborted: true });
  });
});
