import { expect } from "chai";
import pino from "pino";
import { createGatewayApp } from "../../../gateway/src/http/app";
import { OPENAPI_DOCUMENT } from "../../../gateway/src/http/openapi";
import { manualClock } from "./harness";
import { servicesDouble } from "./servicesDouble";
import { type TestGateway, call, startTestGateway } from "./harness";

/** What a layer of Express 5's router exposes about the route it holds. */
interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** "METHOD /path" for every route registered on the app's router (Express `:id` written as OpenAPI `{id}`). */
function servedOperations(): string[] {
  const { app } = createGatewayApp(servicesDouble().services, {
    logger: pino({ enabled: false }),
    clock: manualClock().clock,
    defaultMetrics: false,
  });
  const stack = (app.router as unknown as { stack: RouteLayer[] }).stack;
  return stack.flatMap((layer) =>
    layer.route === undefined
      ? []
      : Object.keys(layer.route.methods).map(
          (m) => `${m.toUpperCase()} ${layer.route!.path.replace(/:([A-Za-z]+)/g, "{$1}")}`,
        ),
  );
}

function documentedOperations(): string[] {
  return Object.entries(OPENAPI_DOCUMENT.paths).flatMap(([path, item]) =>
    Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

/** Every `$ref` string anywhere in a value. */
function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => (k === "$ref" && typeof v === "string" ? [v] : refsIn(v)));
}

describe("gateway/http OpenAPI document", () => {
  it("documents exactly the routes the app registers: an undocumented route fails here", () => {
    const served = servedOperations();
    expect(served.length).to.be.greaterThan(10);
    expect([...served].sort()).to.deep.equal([...documentedOperations()].sort());
  });

  it("resolves every $ref to a component that exists", () => {
    const doc = OPENAPI_DOCUMENT as unknown as Record<string, unknown>;
    for (const ref of refsIn(OPENAPI_DOCUMENT)) {
      const target = ref
        .replace(/^#\//, "")
        .split("/")
        .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
      expect(target, ref).to.not.equal(undefined);
    }
  });

  it("gives every operation a unique operationId, a 2xx answer, and every /v1 operation the error answers", () => {
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(OPENAPI_DOCUMENT.paths)) {
      for (const op of Object.values(item)) {
        expect(ids.has(op.operationId), op.operationId).to.equal(false);
        ids.add(op.operationId);
        expect(
          Object.keys(op.responses).some((s) => /^2\d\d$/.test(s)),
          op.operationId,
        ).to.equal(true);
        if (path.startsWith("/v1/")) {
          expect(op.responses, op.operationId).to.include.keys("400", "429", "500", "503", "default");
          if (op.requestBody) expect(op.responses, op.operationId).to.include.keys("413", "415");
        }
      }
    }
  });

  it("declares the one error shape: { error: { code, message } } with nothing else", () => {
    const error = OPENAPI_DOCUMENT.components.schemas.Error!;
    expect(error.required).to.deep.equal(["error"]);
    expect(error.additionalProperties).to.equal(false);
    expect(error.properties!.error!.required).to.deep.equal(["code", "message"]);
  });

  describe("served", () => {
    let gw: TestGateway;
    before(async () => {
      gw = await startTestGateway();
    });
    after(() => gw.close());

    it("serves the document at /openapi.json", async () => {
      const res = await call(gw, "GET", "/openapi.json");
      expect(res.status).to.equal(200);
      expect(res.json).to.deep.equal(JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)));
      expect((res.json as { openapi: string }).openapi).to.equal("3.1.0");
    });
  });
});
