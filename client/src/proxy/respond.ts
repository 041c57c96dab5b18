import { STATUS_CODES, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

import { type ProxyRefusal, refusalBody } from "./refusal";

/** The challenge a 407 carries: both schemes the proxy reads a netCap from. */
export const PROXY_CHALLENGE = 'Bearer realm="swarm-egress", Basic realm="swarm-egress"';

function refusalHeaders(refusal: ProxyRefusal, body: string): Record<string, string> {
  return {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
    connection: "close",
    ...(refusal.status === 407 ? { "proxy-authenticate": PROXY_CHALLENGE } : {}),
  };
}

/** Answers a refused request with its status and `{code, message}`, and closes the connection after it. */
export function respondRefusal(res: ServerResponse, refusal: ProxyRefusal): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = refusalBody(refusal);
  res.shouldKeepAlive = false;
  res.writeHead(refusal.status, refusalHeaders(refusal, body));
  res.end(body);
}

/** Writes a refusal onto a raw socket (CONNECT, Upgrade, parser errors) and ends it. */
export function writeRawRefusal(socket: Duplex, refusal: ProxyRefusal): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = refusalBody(refusal);
  const head = Object.entries(refusalHeaders(refusal, body))
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("");
  socket.end(`HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? "Refused"}\r\n${head}\r\n${body}`);
}
