import express from "express";
import type { Registry } from "prom-client";
import { addressKey } from "./addressKey";
import { errorHandler } from "./errorHandler";
import { fallthrough } from "./fallthrough";
import { createHttpMetrics } from "./metrics";
import { isV1Path, observeRequests } from "./observeRequests";
import { type HttpOptions, resolveHttpOptions } from "./options";
import { opsRoutes } from "./opsRoutes";
import { rateLimit } from "./rateLimit";
import { TokenBucketLimiter } from "./rateLimiter";
import { compilePaths } from "./route";
import { routeHandler } from "./routeHandler";
import { setServerHooks } from "./serverHooks";
import type { GatewayServices } from "./services";
import { v1Routes } from "./v1Routes";

/**
 * Paths pino censors in anything this layer logs. The layer logs no header, body or answer at all; this is
 * the second line of defence should a later change pass one in.
 */
export const REDACTED_PATHS = [
  "req.headers.authorization",
  "headers.authorization",
  "authorization",
  "bearer",
  "token",
  "body",
  "*.jwe",
  "*.signature",
  "*.secret",
  "*.key",
  "*.privateKey",
];

/**
 * The gateway's Express app and its own metrics registry. Order: observe (id, headers, log line, metrics) →
 * rate limit on `/v1` → the routes (body read inside, for POSTs) → 404/405 → the error handler.
 */
export function createGatewayApp(
  services: GatewayServices,
  options: HttpOptions,
): { app: express.Express; metrics: Registry } {
  const o = resolveHttpOptions(options);
  const log = o.logger.child({ component: "http" }, { redact: { paths: REDACTED_PATHS, censor: "[REDACTED]" } });
  const metrics = createHttpMetrics(o.defaultMetrics);
  const limiter = new TokenBucketLimiter({ ...o.rateLimit, clock: o.clock });
  const keyOf = o.keyOf ?? ((req: express.Request) => addressKey(req.ip ?? "unknown"));

  const app = express();
  // Settings first: the router is created on first use and copies the routing settings then.
  app.disable("x-powered-by");
  app.disable("etag");
  app.enable("strict routing");
  app.enable("case sensitive routing");
  app.set("query parser", "simple");
  app.set("trust proxy", o.trustProxy ?? false);

  const routes = [...v1Routes(services), ...opsRoutes(services, metrics.registry)];
  const paths = compilePaths(routes);
  const deps = {
    log,
    metrics,
    bodyLimitBytes: o.bodyLimitBytes,
    maxJsonDepth: o.maxJsonDepth,
    handlerTimeoutMs: o.handlerTimeoutMs,
  };
  app.use(observeRequests(log, metrics, paths));
  const limit = rateLimit(limiter, keyOf);
  app.use((req, res, next) => (isV1Path(req.path) ? limit(req, res, next) : next()));
  for (const route of routes) app[route.method](route.path, routeHandler(route, deps));
  app.use(fallthrough(paths));
  app.use(errorHandler(log, metrics));

  setServerHooks(app, { log, metrics });
  return { app, metrics: metrics.registry };
}
