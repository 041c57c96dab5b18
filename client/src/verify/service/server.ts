import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";

import { ChainFactsCache } from "../chainFactsCache";
import { ATTESTATIONS_PATH, ATTESTATION_REQUEST_MAX_BYTES, HEALTH_PATH, VerifierServiceErrorCode as E } from "./api";
import { type Answer, type VerifierServiceDeps, handleAttestation, handleHealth } from "./handler";

/*
 * The verifier's HTTP server. Two routes need no framework: node:http with an explicit body limit, one JSON
 * parse, and every path ending in a JSON answer. Anything unexpected is a 500 with nothing signed.
 */

/** A line the server logs: no bodies, no keys, only the route, status and the outcome code. */
export type VerifierLog = (event: { method: string; path: string; status: number; code?: string }) => void;

/** Options of the server. */
export interface VerifierServerOptions {
  readonly host?: string;
  readonly port?: number;
  readonly maxBodyBytes?: number;
  /** Attestation requests verified at once; more are answered 503 VERIFY_UNAVAILABLE (default 8). */
  readonly maxConcurrent?: number;
  readonly log?: VerifierLog;
}

/** A running verifier server. */
export interface VerifierServer {
  readonly url: string;
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > max) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Counts attestation requests in flight, so that a flood is refused instead of queued. */
class Gate {
  private inFlight = 0;
  constructor(private readonly limit: number) {}
  async run(action: () => Promise<Answer>): Promise<Answer> {
    if (this.inFlight >= this.limit) {
      return { status: 503, body: { code: E.UNAVAILABLE, message: "busy verifying; retry later" } };
    }
    this.inFlight++;
    try {
      return await action();
    } finally {
      this.inFlight--;
    }
  }
}

async function route(deps: VerifierServiceDeps, req: IncomingMessage, max: number, gate: Gate): Promise<Answer> {
  const path = (req.url ?? "").split("?")[0];
  const err = (status: number, code: string, message: string): Answer => ({ status, body: { code, message } });
  if (path === HEALTH_PATH) return req.method === "GET" ? handleHealth(deps) : err(405, E.NOT_FOUND, "use GET");
  if (path !== ATTESTATIONS_PATH) return err(404, E.NOT_FOUND, "no such route");
  if (req.method !== "POST") return err(405, E.NOT_FOUND, "use POST");
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") return err(415, E.UNSUPPORTED_MEDIA_TYPE, "expected application/json");
  let raw: Buffer;
  try {
    raw = await readBody(req, max);
  } catch (cause) {
    if (cause instanceof BodyTooLarge) return err(413, E.REQUEST_TOO_LARGE, `at most ${max} bytes`);
    return err(400, E.REQUEST_INVALID, "cannot read the body");
  }
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(raw));
  } catch {
    return err(400, E.REQUEST_INVALID, "expected a UTF-8 JSON body");
  }
  return gate.run(() => handleAttestation(deps, body));
}

function send(res: ServerResponse, answer: Answer): void {
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    ...(answer.status === 413 ? { connection: "close" } : {}),
  });
  res.end(text);
}

/**
 * Starts the verifier service (default 127.0.0.1, an ephemeral port); `close` stops it. Without `deps.factsCache`
 * the server keeps its own ChainFactsCache (default finality depth) for its lifetime.
 */
export async function startVerifierServer(
  served: VerifierServiceDeps,
  options: VerifierServerOptions = {},
): Promise<VerifierServer> {
  const deps: VerifierServiceDeps =
    served.factsCache === undefined ? { ...served, factsCache: new ChainFactsCache() } : served;
  const max = options.maxBodyBytes ?? ATTESTATION_REQUEST_MAX_BYTES;
  const gate = new Gate(options.maxConcurrent ?? 8);
  const server: Server = createServer((req, res) => {
    route(deps, req, max, gate)
      .catch((): Answer => ({ status: 500, body: { code: E.INTERNAL, message: "unexpected failure; nothing signed" } }))
      .then((answer) => {
        const code = "code" in answer.body ? answer.body.code : undefined;
        options.log?.({
          method: req.method ?? "",
          path: (req.url ?? "").split("?")[0]!,
          status: answer.status,
          ...(code === undefined || typeof code !== "string" ? {} : { code }),
        });
        send(res, answer);
      });
  });
  server.requestTimeout = 120_000;
  server.headersTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
