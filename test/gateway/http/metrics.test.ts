import { expect } from "chai";
import { GatewayError } from "../../../gateway/src/errors";
import { type TestGateway, call, startTestGateway } from "./harness";

describe("gateway/http metrics, liveness and readiness", () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startTestGateway({ http: { defaultMetrics: true } });
  });
  afterEach(() => gw.close());

  it("exposes request counts by route template (never the raw path), method and status", async () => {
    await call(gw, "GET", "/v1/sessions/sess_01/permit");
    await call(gw, "GET", "/v1/sessions/sess_02/permit");
    await call(gw, "GET", "/v1/no-such-thing-abc");
    const res = await call(gw, "GET", "/metrics");
    expect(res.status).to.equal(200);
    expect(res.headers.get("content-type")).to.match(/^text\/plain/);
    expect(res.text).to.include(
      'swarm_gateway_http_requests_total{route="/v1/sessions/:id/permit",method="GET",status="200"} 2',
    );
    expect(res.text).to.include('swarm_gateway_http_requests_total{route="unmatched",method="GET",status="404"} 1');
    expect(res.text).to.not.include("sess_01");
    expect(res.text).to.not.include("no-such-thing-abc");
    expect(res.text).to.match(
      /swarm_gateway_http_request_duration_seconds_count\{route="\/v1\/sessions\/:id\/permit",method="GET"\} 2/,
    );
  });

  it("counts refusals by error code", async () => {
    gw.double.failWith("releaseCaps", new GatewayError("PERMIT_MALFORMED", 400, "permit: bad"));
    await call(gw, "POST", "/v1/caps", { body: {} });
    await call(gw, "POST", "/v1/caps", { raw: "{" });
    await call(gw, "POST", "/v1/caps", { raw: "{", headers: { "content-type": "text/plain" } });
    const text = await gw.metrics.metrics();
    expect(text).to.include('swarm_gateway_http_refusals_total{code="PERMIT_MALFORMED"} 1');
    expect(text).to.include('swarm_gateway_http_refusals_total{code="BODY_MALFORMED"} 1');
    expect(text).to.include('swarm_gateway_http_refusals_total{code="CONTENT_TYPE_UNSUPPORTED"} 1');
  });

  it("counts a cap release only when /v1/caps answers 200", async () => {
    await call(gw, "POST", "/v1/caps", { body: {} });
    gw.double.failWith("releaseCaps", new GatewayError("TOKEN_REPLAYED", 401, "jti seen"));
    await call(gw, "POST", "/v1/caps", { body: {} });
    await call(gw, "POST", "/v1/state-keys", { body: {} });
    expect(await gw.metrics.metrics()).to.match(/^swarm_gateway_caps_released_total 1$/m);
  });

  it("exposes prefixed default process metrics from the app's own registry, not the global one", async () => {
    const text = (await call(gw, "GET", "/metrics")).text;
    expect(text).to.include("swarm_gateway_process_cpu_user_seconds_total");
    expect(text).to.include("swarm_gateway_nodejs_heap_size_total_bytes");
    const other = await startTestGateway({ http: { defaultMetrics: true } });
    try {
      await call(gw, "GET", "/healthz");
      expect(await other.metrics.metrics(), "registries are per app").to.not.include('route="/healthz"');
    } finally {
      await other.close();
    }
  });

  it("answers /healthz with { status: ok } without calling any service", async () => {
    const res = await call(gw, "GET", "/healthz");
    expect(res.status).to.equal(200);
    expect(res.json).to.deep.equal({ status: "ok" });
    expect(gw.double.calls).to.have.length(0);
  });

  it("answers /readyz 200 with the checks when every dependency is up", async () => {
    const res = await call(gw, "GET", "/readyz");
    expect(res.status).to.equal(200);
    expect(res.json).to.deep.equal({ ready: true, checks: { chain: "ok", jwks: "ok", ledger: "ok" } });
  });

  it("answers /readyz 503 with the checks when a dependency is down", async () => {
    gw.double.readiness = { ready: false, checks: { chain: "down", jwks: "ok", ledger: "ok" } };
    const res = await call(gw, "GET", "/readyz");
    expect(res.status).to.equal(503);
    expect(res.json).to.deep.equal({ ready: false, checks: { chain: "down", jwks: "ok", ledger: "ok" } });
  });

  it("answers /readyz 503 when the services claim ready while a check is down (fail closed)", async () => {
    gw.double.readiness = { ready: true, checks: { chain: "down" } };
    expect((await call(gw, "GET", "/readyz")).status).to.equal(503);
  });

  it("answers /readyz with a 503 error when the readiness check itself is unavailable", async () => {
    gw.double.failWith("ready", new GatewayError("CHAIN_UNAVAILABLE", 503, "rpc down"));
    const res = await call(gw, "GET", "/readyz");
    expect(res.status).to.equal(503);
  });
});
