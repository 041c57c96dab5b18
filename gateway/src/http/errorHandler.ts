import type { IncomingMessage } from "node:http";
import type { ErrorRequestHandler, Response } from "express";
import type { Logger } from "pino";
import { GatewayError } from "../errors";
import { httpError } from "./codes";
import type { HttpMetrics } from "./metrics";
import { requestState } from "./requestState";

/** Message of every 500: the cause stays in the log, under the request id. */
export const INTERNAL_MESSAGE = "internal error; quote the X-Request-Id when reporting it";

/**
 * The refusal answered for a thrown value. A `GatewayError` with an error status keeps its code and status;
 * the router's refusal of a percent-encoding it cannot decode is `PARAM_INVALID`; anything else is
 * `INTERNAL`, whose message says nothing about the cause.
 */
export function toRefusal(err: unknown): GatewayError {
  if (err instanceof GatewayError && Number.isInteger(err.status) && err.status >= 400 && err.status <= 599) {
    return err;
  }
  if (err instanceof URIError) return httpError("PARAM_INVALID", "expected a percent-encoded UTF-8 path segment");
  return httpError("INTERNAL", INTERNAL_MESSAGE);
}

/** Whether the request announced a body that has not been read to its end. */
function bodyLeftUnread(req: IncomingMessage): boolean {
  const announced = req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
  return announced && !req.complete;
}

/**
 * Sends `{ "error": { "code", "message" } }` with the refusal's status and counts it. A refusal that leaves a
 * body unread (too large, wrong type) also closes the connection, so the server never drains the rest.
 */
export function sendError(req: IncomingMessage, res: Response, refusal: GatewayError, metrics: HttpMetrics): void {
  requestState(req).code = refusal.code;
  metrics.refusals.inc({ code: refusal.code });
  if (bodyLeftUnread(req)) res.setHeader("Connection", "close");
  // RFC 6750 §3: a 401 names the scheme the client should retry with.
  if (refusal.status === 401) res.setHeader("WWW-Authenticate", "Bearer");
  res.status(refusal.status).json(refusal.toJSON());
}

/** The app's last middleware: maps every error to its answer and logs what an operator must see. */
export function errorHandler(log: Logger, metrics: HttpMetrics): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const { requestId } = requestState(req);
    const refusal = toRefusal(err);
    if (refusal.code === "INTERNAL" && refusal !== err) {
      const e = err instanceof Error ? err : new Error(`non-Error thrown: ${typeof err}`);
      log.error({ reqId: requestId, error: { type: e.name, message: e.message, stack: e.stack } }, "unexpected error");
    } else if (refusal.status >= 500) {
      log.warn({ reqId: requestId, code: refusal.code, detail: refusal.message }, "refused: unavailable");
    }
    if (res.headersSent) {
      // Half an answer is out: the only honest thing left is to cut the connection.
      req.socket.destroy();
      return;
    }
    sendError(req, res, refusal, metrics);
  };
}
