import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Express } from "express";
import { answerClientError } from "./clientError";
import { gracefulClose } from "./gracefulClose";
import { requireNumber } from "./rateLimiter";
import { serverHooksOf } from "./serverHooks";

/** Where and how the server listens. Every field has a default. */
export interface ServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Largest request head (request line and headers) node parses; larger is refused 431. Default 16,384. */
  maxHeaderBytes?: number;
  /** Time to receive a whole request; node answers 408 past it. Default 30,000. */
  requestTimeoutMs?: number;
  /** Time to receive the request head. Must not exceed `requestTimeoutMs`. Default 10,000. */
  headersTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this. Default 5,000. */
  keepAliveTimeoutMs?: number;
  /** `close()` waits this long for in-flight requests, then cuts the connections left. Default 10,000. */
  closeTimeoutMs?: number;
}

/** A listening server. */
export interface RunningServer {
  /** `http://host:port` */
  url: string;
  /** Stops accepting, lets in-flight requests finish, closes idle keep-alive connections. */
  close(): Promise<void>;
}

/** Serves `app` with node:http under the given limits, and resolves once it listens. */
export function startGatewayServer(app: Express, options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const requestTimeout = requireNumber("requestTimeoutMs", options.requestTimeoutMs ?? 30_000, 1, true);
  const headersTimeout = requireNumber("headersTimeoutMs", options.headersTimeoutMs ?? 10_000, 1, true);
  requireNumber("requestTimeoutMs - headersTimeoutMs", requestTimeout - headersTimeout, 0, true);
  const closeTimeoutMs = requireNumber("closeTimeoutMs", options.closeTimeoutMs ?? 10_000, 0, true);
  const server = createServer({
    maxHeaderSize: requireNumber("maxHeaderBytes", options.maxHeaderBytes ?? 16_384, 1024, true),
    requestTimeout,
    headersTimeout,
    keepAliveTimeout: requireNumber("keepAliveTimeoutMs", options.keepAliveTimeoutMs ?? 5_000, 1, true),
  });
  const hooks = serverHooksOf(app);
  server.on("clientError", (err: Error & { code?: unknown }, socket) => {
    const refusal = answerClientError(err, socket, hooks?.log);
    if (refusal !== undefined) hooks?.metrics.refusals.inc({ code: refusal.code });
  });

  const close = gracefulClose(server, closeTimeoutMs);
  server.on("request", app);

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      // After listening, a server error (e.g. EMFILE on accept) is logged, never an uncaught crash.
      server.on("error", (err: Error & { code?: unknown }) =>
        hooks?.log.error({ code: typeof err.code === "string" ? err.code : err.name }, "server error"),
      );
      const { port } = server.address() as AddressInfo;
      const shownHost = host.includes(":") ? `[${host}]` : host;
      resolve({ url: `http://${shownHost}:${port}`, close });
    });
  });
}
