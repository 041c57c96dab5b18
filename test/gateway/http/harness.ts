import { connect } from "node:net";
import pino from "pino";
import type { Registry } from "prom-client";
import type { Clock } from "../../../client/src/protocol/clock";
import { createGatewayApp } from "../../../gateway/src/http/app";
import type { HttpOptions } from "../../../gateway/src/http/options";
import { type ServerOptions, startGatewayServer } from "../../../gateway/src/http/server";
import { type ServicesDouble, servicesDouble } from "./servicesDouble";

/** A clock the test moves by hand. */
export interface ManualClock {
  clock: Clock;
  advance(ms: number): void;
}

/** A manual clock at a fixed instant. */
export function manualClock(startMs = 1_781_377_264_000): ManualClock {
  let ms = startMs;
  return { clock: () => new Date(ms), advance: (by) => void (ms += by) };
}

/** A gateway app on 127.0.0.1 with a services double and a logger writing to memory. */
export interface TestGateway {
  url: string;
  double: ServicesDouble;
  metrics: Registry;
  time: ManualClock;
  /** Everything logged so far, as written. */
  logText(): string;
  /** The logged lines, parsed. */
  logLines(): Record<string, unknown>[];
  close(): Promise<void>;
}

/** Starts a gateway for one test; the test closes it. Default metrics are off unless asked for (speed). */
export async function startTestGateway(
  options: { double?: ServicesDouble; http?: Partial<HttpOptions>; server?: ServerOptions } = {},
): Promise<TestGateway> {
  const chunks: string[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void chunks.push(line) });
  const time = manualClock();
  const double = options.double ?? servicesDouble();
  const { app, metrics } = createGatewayApp(double.services, {
    logger,
    clock: time.clock,
    defaultMetrics: false,
    rateLimit: { ratePerSecond: 1000, burst: 1000 },
    ...options.http,
  });
  const server = await startGatewayServer(app, { host: "127.0.0.1", port: 0, ...options.server });
  return {
    url: server.url,
    double,
    metrics,
    time,
    logText: () => chunks.join(""),
    logLines: () =>
      chunks
        .join("")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    close: () => server.close(),
  };
}

/** An answer, with its body parsed as JSON when it is JSON. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** Sends one request with fetch; a string or object body goes as JSON unless headers say otherwise. */
export async function call(
  gw: { url: string },
  method: string,
  path: string,
  options: { body?: unknown; raw?: string | Uint8Array; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | Uint8Array<ArrayBuffer> | undefined =
    typeof options.raw === "string" || options.raw === undefined ? options.raw : new Uint8Array(options.raw);
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) {
    headers["content-type"] = "application/json";
  }
  const res = await fetch(gw.url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** The error code of an error answer (or undefined). */
export function codeOf(answer: Answer): unknown {
  return (answer.json as { error?: { code?: unknown } } | undefined)?.error?.code;
}

/**
 * Writes raw bytes to the server and reads until it closes the connection (or `timeoutMs` passes): for
 * requests fetch cannot send (invalid bytes in the request line, oversized heads). Returns the status (0 when
 * the server answered nothing) and the whole answer.
 */
export function rawRequest(url: string, bytes: Buffer, timeoutMs = 5000): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("raw request: no close within the timeout"));
    }, timeoutMs);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("latin1");
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: status ? Number(status[1]) : 0, text });
    });
    socket.write(bytes);
  });
}
