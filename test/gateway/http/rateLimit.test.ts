import type { Request } from "express";
import { expect } from "chai";
import { type TestGateway, call, codeOf, startTestGateway } from "./harness";

describe("gateway/http rate limiting", () => {
  let gw: TestGateway;
  beforeEach(async () => {
    const keyOf = (req: Request) => String(req.headers["x-test-peer"] ?? "default");
    gw = await startTestGateway({ http: { rateLimit: { ratePerSecond: 1, burst: 3 }, keyOf } });
  });
  afterEach(() => gw.close());

  const from = (peer: string, path = "/v1/receipts/1") => call(gw, "GET", path, { headers: { "x-test-peer": peer } });

  it("refuses a burst beyond the bucket with 429 RATE_LIMITED and Retry-After, before any service call", async () => {
    for (let i = 0; i < 3; i++) expect((await from("a")).status).to.equal(200);
    const res = await from("a");
    expect(res.status).to.equal(429);
    expect(codeOf(res)).to.equal("RATE_LIMITED");
    expect(res.headers.get("retry-after")).to.equal("1");
    expect(gw.double.calls).to.have.length(3);
  });

  it("lets another address through while one is limited", async () => {
    for (let i = 0; i < 5; i++) await from("a");
    expect((await from("b")).status).to.equal(200);
  });

  it("lets the limited address through again once a token is back", async () => {
    for (let i = 0; i < 4; i++) await from("a");
    gw.time.advance(1000);
    expect((await from("a")).status).to.equal(200);
  });

  it("counts unknown /v1 paths too, so probing costs tokens", async () => {
    for (let i = 0; i < 3; i++) expect((await from("a", "/v1/nope")).status).to.equal(404);
    expect((await from("a")).status).to.equal(429);
  });

  it("leaves /healthz, /readyz and /metrics unlimited, so probes never get 429", async () => {
    for (let i = 0; i < 5; i++) await from("a");
    for (const path of ["/healthz", "/readyz", "/metrics"]) expect((await from("a", path)).status, path).to.equal(200);
  });

  it("limits by peer address by default", async () => {
    const byAddress = await startTestGateway({ http: { rateLimit: { ratePerSecond: 1, burst: 2 } } });
    try {
      for (let i = 0; i < 2; i++) expect((await call(byAddress, "GET", "/v1/receipts/1")).status).to.equal(200);
      const res = await call(byAddress, "GET", "/v1/receipts/1", { headers: { "x-forwarded-for": "198.51.100.1" } });
      expect(res.status, "a forged X-Forwarded-For does not buy a fresh bucket").to.equal(429);
    } finally {
      await byAddress.close();
    }
  });
});
