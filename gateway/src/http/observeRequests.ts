import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import type { Logger } from "pino";
import type { HttpMetrics } from "./metrics";
import { type RequestState, setRequestState } from "./requestState";
import { type CompiledPath, matchPath } from "./route";

const LABELLED_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** Whether a path is under `/v1`. */
export function isV1Path(path: string): boolean {
  return path === "/v1" || path.startsWith("/v1/");
}

/**
 * The first middleware: gives the request its id and state, sets the headers every answer carries, and once
 * the answer is finished (or the connection is gone) writes one log line and the request metrics. The line
 * holds the id, method, route template, status, duration and error code: never a header, path parameter,
 * query, body or answer, so no token, JWE, key or signature can reach the log through it.
 */
export function observeRequests(log: Logger, metrics: HttpMetrics, paths: readonly CompiledPath[]): RequestHandler {
  return (req, res, next) => {
    const state: RequestState = {
      requestId: randomUUID(),
      startedAt: performance.now(),
      route: matchPath(paths, req.path)?.template ?? "unmatched",
    };
    setRequestState(req, state);
    res.setHeader("X-Request-Id", state.requestId);
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    if (isV1Path(req.path)) res.setHeader("Cache-Control", "no-store");

    let recorded = false;
    const record = () => {
      if (recorded) return;
      recorded = true;
      const aborted = !res.writableFinished;
      const seconds = (performance.now() - state.startedAt) / 1000;
      const method = LABELLED_METHODS.has(req.method) ? req.method : "OTHER";
      const status = aborted ? "aborted" : String(res.statusCode);
      metrics.requests.inc({ route: state.route, method, status });
      metrics.duration.observe({ route: state.route, method }, seconds);
      log.info(
        {
          reqId: state.requestId,
          method,
          route: state.route,
          status: aborted ? undefined : res.statusCode,
          durationMs: Math.round(seconds * 1e6) / 1e3,
          code: state.code,
          aborted: aborted || undefined,
        },
        "request",
      );
    };
    res.once("finish", record);
    res.once("close", record);
    next();
  };
}
