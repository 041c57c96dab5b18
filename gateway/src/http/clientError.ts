import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { GatewayError } from "../errors";
import { httpError } from "./codes";

/** What node's HTTP parser reports: only the code is ever read (the error also holds the raw request bytes). */
interface ParserError {
  code?: unknown;
}

/** The refusal for an error node's parser raised before a request object existed. */
export function clientErrorRefusal(err: ParserError): GatewayError {
  if (err.code === "HPE_HEADER_OVERFLOW") return httpError("HEADERS_TOO_LARGE", "expected smaller request headers");
  if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") {
    return httpError("REQUEST_TIMEOUT", "expected the whole request within the request timeout");
  }
  return httpError("REQUEST_MALFORMED", "expected a well-formed HTTP/1.1 request");
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  408: "Request Timeout",
  431: "Request Header Fields Too Large",
};

/**
 * Answers a request node's parser refused (oversized headers, bad syntax, timeout) with the same JSON error
 * shape as every other refusal, then closes the connection. Logs the code only: `err.rawPacket` holds the
 * request's bytes, which may include an Authorization header. Returns the refusal for counting.
 */
export function answerClientError(err: ParserError, socket: Duplex, log: Logger | undefined): GatewayError | undefined {
  if (err.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return undefined;
  }
  const refusal = clientErrorRefusal(err);
  const body = JSON.stringify(refusal.toJSON());
  log?.info({ code: refusal.code, parserCode: typeof err.code === "string" ? err.code : undefined }, "client error");
  socket.end(
    `HTTP/1.1 ${refusal.status} ${REASONS[refusal.status] ?? "Error"}\r\n` +
      "Content-Type: application/json; charset=utf-8\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      "X-Content-Type-Options: nosniff\r\n" +
      "Cache-Control: no-store\r\n" +
      "Connection: close\r\n\r\n" +
      body,
  );
  return refusal;
}
