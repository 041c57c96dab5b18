import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Prefix of every metric the gateway exports. */
export const METRIC_PREFIX = "swarm_gateway_";

/** The HTTP layer's instruments, all registered in one app-owned registry (never the global one). */
export interface HttpMetrics {
  registry: Registry;
  /** Requests by route template, method and status. */
  requests: Counter<"route" | "method" | "status">;
  /** Request duration in seconds by route template and method. */
  duration: Histogram<"route" | "method">;
  /** Error answers by their code. */
  refusals: Counter<"code">;
  /** `/v1/caps` answers with status 200. */
  capsReleased: Counter;
}

/** A fresh registry with the HTTP layer's instruments and, when asked, prom-client's process metrics. */
export function createHttpMetrics(defaultMetrics: boolean): HttpMetrics {
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: `${METRIC_PREFIX}http_requests_total`,
      help: "HTTP requests by route template, method and status.",
      labelNames: ["route", "method", "status"],
      registers,
    }),
    duration: new Histogram({
      name: `${METRIC_PREFIX}http_request_duration_seconds`,
      help: "HTTP request duration in seconds, from the request reaching the app to the last byte of the answer.",
      labelNames: ["route", "method"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    refusals: new Counter({
      name: `${METRIC_PREFIX}http_refusals_total`,
      help: "Error answers by error code.",
      labelNames: ["code"],
      registers,
    }),
    capsReleased: new Counter({
      name: `${METRIC_PREFIX}caps_released_total`,
      help: "Cap releases answered with status 200 (first deliveries and re-deliveries).",
      registers,
    }),
  };
}
