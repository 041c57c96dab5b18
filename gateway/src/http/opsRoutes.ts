import type { Registry } from "prom-client";
import { OPENAPI_DOCUMENT } from "./openapi";
import type { RouteDef } from "./route";
import type { GatewayServices, Readiness } from "./services";

/** Ready only when the services say so and every check is "ok": a malformed answer is not ready. */
export function isReady(readiness: Readiness): boolean {
  return readiness.ready === true && Object.values(readiness.checks).every((check) => check === "ok");
}

/**
 * The operational routes: discovery, liveness, readiness, metrics and the API description. Liveness makes no
 * dependency call, so a slow chain never gets a healthy process restarted.
 */
export function opsRoutes(services: GatewayServices, metrics: Registry): RouteDef[] {
  return [
    {
      method: "get",
      path: "/.well-known/swarm-gateway.json",
      body: false,
      handle: async () => ({ status: 200, body: await services.wellKnown() }),
    },
    { method: "get", path: "/healthz", body: false, handle: async () => ({ status: 200, body: { status: "ok" } }) },
    {
      method: "get",
      path: "/readyz",
      body: false,
      handle: async () => {
        const readiness = await services.ready();
        const ready = isReady(readiness);
        return { status: ready ? 200 : 503, body: { ready, checks: readiness.checks } };
      },
    },
    {
      method: "get",
      path: "/metrics",
      body: false,
      handle: async () => ({ status: 200, text: await metrics.metrics(), contentType: metrics.contentType }),
    },
    {
      method: "get",
      path: "/openapi.json",
      body: false,
      handle: async () => ({ status: 200, body: OPENAPI_DOCUMENT }),
    },
  ];
}
