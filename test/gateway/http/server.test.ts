import { expect } from "chai";
import express from "express";
import { GatewayError } from "../../../gateway/src/errors";
import { startGatewayServer } from "../../../gateway/src/http/server";
import { type TestGateway, call, rawRequest, startTestGateway } from "./harness";

describe("gateway/http server", () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startTestGateway({ server: { maxHeaderBytes: 4096 } });
  });
  afterEach(() => gw.close());

  it("refuses oversized headers with a JSON 431 HEADERS_TOO_LARGE, and keeps answering the next request", async () => {
    const head = `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(8192)}\r\n\r\n`;
    const res = await rawRequest(gw.url, Buffer.from(head));
    expect(res.status).to.equal(431);
    expect(res.text).to.include('{"error":{"code":"HEADERS_TOO_LARGE"');
    expect(res.text).to.match(/\r\nConnection: close\r\n/i);
    expect((await call(gw, "GET", "/healthz")).status).to.equal(200);
  });

  it("refuses oversized headers sent through fetch without crashing", async () => {
    let status = 0;
    try {
      status = (await call(gw, "GET", "/healthz", { headers: { "x-big": "a".repeat(64 * 1024) } })).status;
    } catch {
      status = -1; // the connection may be cut while fetch is still writing: refused either way
    }
    expect([431, -1]).to.include(status);
    expect((await call(gw, "GET", "/healthz")).status).to.equal(200);
  });

  it("never writes the refused head (which may hold an Authorization header) to the log", async () => {
    const head = `GET /healthz HTTP/1.1\r\nAuthorization: Bearer parser-refused-secret\r\nX-Big: ${"a".repeat(8192)}\r\n\r\n`;
    expect((await rawRequest(gw.url, Buffer.from(head))).status).to.equal(431);
    expect(gw.logText()).to.include("HEADERS_TOO_LARGE");
    expect(gw.logText()).to.not.include("parser-refused-secret");
  });

  it("refuses a malformed request line with a JSON 400 REQUEST_MALFORMED", async () => {
    const res = await rawRequest(gw.url, Buffer.from("GET /\xff\x00 HTTP/1.1\r\n\r\n", "latin1"));
    expect(res.status).to.equal(400);
    expect(res.text).to.include('"REQUEST_MALFORMED"');
    expect((await call(gw, "GET", "/healthz")).status).to.equal(200);
  });

  it("counts parser refusals in the refusal metric", async () => {
    await rawRequest(gw.url, Buffer.from(`GET / HTTP/1.1\r\nX-Big: ${"a".repeat(8192)}\r\n\r\n`));
    const text = await gw.metrics.metrics();
    expect(text).to.include('swarm_gateway_http_refusals_total{code="HEADERS_TOO_LARGE"} 1');
  });

  it("close() lets an in-flight request finish, then stops listening", async () => {
    const own = await startTestGateway();
    own.double.delay("receipt", 150);
    const inFlight = call(own, "GET", "/v1/receipts/1");
    await new Promise((resolve) => setTimeout(resolve, 30));
    const started = Date.now();
    await own.close();
    expect((await inFlight).status).to.equal(200);
    expect(Date.now() - started, "closed without waiting out the keep-alive timeout").to.be.below(2000);
    let refused = false;
    await call(own, "GET", "/healthz").catch(() => (refused = true));
    expect(refused).to.equal(true);
  });

  it("close() closes idle keep-alive connections instead of waiting for them", async () => {
    const own = await startTestGateway({ server: { keepAliveTimeoutMs: 60_000 } });
    await call(own, "GET", "/healthz");
    const started = Date.now();
    await own.close();
    expect(Date.now() - started).to.be.below(2000);
  });

  it("rejects when it cannot listen (port taken) instead of crashing", async () => {
    const port = Number(new URL(gw.url).port);
    let failure: unknown;
    try {
      await startGatewayServer(express(), { host: "127.0.0.1", port });
    } catch (err) {
      failure = err;
    }
    expect(failure).to.have.property("code", "EADDRINUSE");
  });

  it("refuses a headers timeout longer than the request timeout with HTTP_CONFIG_INVALID", async () => {
    let failure: unknown;
    try {
      await startGatewayServer(express(), { requestTimeoutMs: 1000, headersTimeoutMs: 2000 });
    } catch (err) {
      failure = err;
    }
    expect(failure).to.be.instanceOf(GatewayError).with.property("code", "HTTP_CONFIG_INVALID");
  });
});
