import { type KeyObject, generateKeyPairSync } from "node:crypto";
import { type IncomingHttpHeaders, type Server, createServer } from "node:http";
import { type AddressInfo, type Socket, connect, createServer as createTcpServer } from "node:net";
import type { Address, Hex } from "viem";

import type { Clock } from "../../../client/src/protocol/clock";
import { ed25519PublicJwk } from "../../../client/src/protocol/keys";
import { netCapIssuer } from "../../../client/src/protocol/netcap";
import { type EgressProxy, type EgressProxyOptions, startEgressProxy } from "../../../client/src/proxy";
import { type NetCapRequest, netCapSigningKey, signNetCap } from "../../../gateway/src/caps/netcap";

export const MARKET: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
export const GATEWAY: Address = "0x70997970C51812dc3A010C7d01b50e79d17dc79C";
export const CHAIN_ID = 31337n;
export const NOW = 1_700_000_000;
export const clock: Clock = () => new Date(NOW * 1000);

/** The test gateway's netCap key, used exactly as the gateway uses it. */
export const gatewayKey: KeyObject = generateKeyPairSync("ed25519").privateKey;

/** One request the upstream saw. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP upstream on 127.0.0.1 that records every request; `/redirect` answers 302 to another host. */
export async function startUpstream(): Promise<{ server: Server; port: number; seen: SeenRequest[] }> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      if (req.url?.startsWith("/v1/redirect")) {
        res.writeHead(302, { location: "http://elsewhere.test/steal" });
        res.end();
        return;
      }
      const text = `upstream saw ${req.method} ${req.url}`;
      res.writeHead(200, { "content-type": "text/plain", "content-length": String(Buffer.byteLength(text)) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

/** A raw TCP echo server on 127.0.0.1 standing in for a TLS upstream behind CONNECT; counts connections. */
export async function startEcho(): Promise<{ close(): Promise<void>; port: number; connections: () => number }> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    count += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The routes of the test capsule, for an upstream on `httpPort` and a tunnel target on `tlsPort`. */
export function testRoutes(httpPort: number, tlsPort: number): object[] {
  const rule = (effect: string, scheme: string, host: string, port: number, methods: string[], pathPrefix: string) => ({
    effect,
    scheme,
    host,
    port: String(port),
    methods,
    pathPrefix,
  });
  return [
    rule("allow", "http", "api.test", httpPort, ["GET", "POST"], "/v1/"),
    rule("deny", "http", "api.test", httpPort, ["*"], "/v1/admin"),
    rule("allow", "http", "elsewhere-allowed.test", httpPort, ["GET"], "/"),
    rule("allow", "https", "tls.test", tlsPort, ["*"], "/"),
    rule("allow", "https", "narrow.test", tlsPort, ["GET"], "/api/"),
  ];
}

/** Mints a netCap exactly as the gateway does (gateway/src/caps/netcap.ts), with optional overrides. */
export function mintNetCap(
  routes: readonly object[],
  overrides: Partial<NetCapRequest> = {},
  at: Clock = clock,
  key = gatewayKey,
): Promise<string> {
  const request: NetCapRequest = {
    chainId: CHAIN_ID,
    market: MARKET,
    gateway: GATEWAY,
    entitlementId: 7n,
    step: 1,
    routes,
    permitDigest: `0x${"ab".repeat(32)}` as Hex,
    notAfter: BigInt(NOW + 600),
    ...overrides,
  };
  return signNetCap(request, netCapSigningKey(key), at);
}

/** A resolver that maps every name to 127.0.0.1 and records which names it was asked for. */
export function loopbackResolver(): { resolveHost: (host: string) => Promise<string>; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    resolveHost: (host: string) => {
      asked.push(host);
      return Promise.resolve("127.0.0.1");
    },
  };
}

/** A logger that keeps every line as JSON text, to check that no token is ever logged. */
export function memoryLogger(): { lines: string[]; logger: EgressProxyOptions["logger"] } {
  const lines: string[] = [];
  const push = (fields: Record<string, unknown>, message: string): void => {
    lines.push(JSON.stringify({ ...fields, message }));
  };
  return { lines, logger: { info: push, warn: push } };
}

/** Starts the proxy on 127.0.0.1:0 trusting the test gateway key. */
export function startTestProxy(
  resolveHost: (host: string) => Promise<string>,
  logger: EgressProxyOptions["logger"],
  extra: Partial<EgressProxyOptions> = {},
): Promise<EgressProxy> {
  return startEgressProxy({
    keys: [ed25519PublicJwk(gatewayKey)],
    issuer: netCapIssuer(CHAIN_ID, GATEWAY),
    market: MARKET,
    chainId: CHAIN_ID,
    clock,
    resolveHost,
    allowPrivateAddresses: true,
    logger,
    ...extra,
  });
}

/** A parsed raw HTTP answer. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  raw: string;
}

/** Parses the first HTTP answer in `raw`. */
export function parseAnswer(raw: string): RawAnswer {
  const end = raw.indexOf("\r\n\r\n");
  const head = end === -1 ? raw : raw.slice(0, end);
  const [statusLine = "", ...lines] = head.split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: Number(statusLine.split(" ")[1]), headers, body: end === -1 ? "" : raw.slice(end + 4), raw };
}

/** Sends raw bytes to the proxy on 127.0.0.1 and collects everything until the proxy closes the connection. */
export function rawExchange(port: number, text: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", reject);
    socket.on("close", () => resolve(parseAnswer(Buffer.concat(chunks).toString("latin1"))));
    socket.write(text);
  });
}

/** The JSON refusal body's code. */
export function codeOf(answer: RawAnswer): string {
  return (JSON.parse(answer.body) as { code: string }).code;
}
