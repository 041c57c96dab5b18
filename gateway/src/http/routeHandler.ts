import type { Request, RequestHandler } from "express";
import type { Logger } from "pino";
import { bearerOf } from "./bearer";
import type { HttpMetrics } from "./metrics";
import { readJsonObject } from "./readJsonBody";
import { requestState } from "./requestState";
import type { RouteDef } from "./route";
import type { RequestContext } from "./services";
import { withTimeout } from "./withTimeout";

/** What every route handler shares. */
export interface RouteHandlerDeps {
  log: Logger;
  metrics: HttpMetrics;
  bodyLimitBytes: number;
  maxJsonDepth: number;
  handlerTimeoutMs: number;
}

/**
 * The request context a service sees. The peer address is Express's `req.ip`, which is the socket's address
 * unless `trustProxy` was configured; without a socket address (already gone) it is "unknown".
 */
export function requestContext(req: Request): RequestContext {
  return {
    bearer: bearerOf(req.headers.authorization),
    remoteAddress: req.ip ?? "unknown",
    requestId: requestState(req).requestId,
  };
}

/**
 * Runs one route: reads its body if it takes one, runs the handler under the handler timeout, sends the reply.
 * Rejections reach the error handler (Express 5 forwards a rejected handler promise).
 */
export function routeHandler(route: RouteDef, deps: RouteHandlerDeps): RequestHandler {
  return async (req, res) => {
    const body = route.body
      ? await readJsonObject(req, { maxBytes: deps.bodyLimitBytes, maxDepth: deps.maxJsonDepth })
      : undefined;
    const ctx = requestContext(req);
    const onLate = (err: unknown) =>
      deps.log.warn(
        { reqId: ctx.requestId, route: route.path, type: err instanceof Error ? err.name : typeof err },
        "a handler failed after its timeout",
      );
    const reply = await withTimeout(
      route.handle({ ctx, params: req.params, query: req.query, body }),
      deps.handlerTimeoutMs,
      onLate,
    );
    if ("text" in reply) res.status(reply.status).type(reply.contentType).send(reply.text);
    else res.status(reply.status).json(reply.body);
    if (route.releasesCaps && reply.status === 200) deps.metrics.capsReleased.inc();
  };
}
