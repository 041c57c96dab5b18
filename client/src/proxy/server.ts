import { type IncomingMessage, type Server, createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";

import { ProxyErrorCode } from "./codes";
import { parserErrorCode } from "./framing";
import { type ForwardedRequest, forwardRequest } from "./forward";
import type { EgressProxy, EgressProxyOptions } from "./options";
import { respondRefusal, writeRawRefusal } from "./respond";
import { ProxyRefusal, asRefusal } from "./refusal";
import { openTunnel } from "./tunnel";

/** Default and largest accepted request head, in bytes: a netCap with many routes fits well within it. */
const DEFAULT_MAX_HEADER_BYTES = 16_384;

/**
 * Starts the step's egress proxy: plain HTTP in absolute form and HTTPS through CONNECT, each request carrying
 * the step's netCap in Proxy-Authorization, forwarded only where the netCap's routes allow; everything else is
 * refused with `{code, message}` and a log line (never the token). Listens on 127.0.0.1 unless told otherwise.
 */
export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const upstreams = new Set<Socket>();
  const server: Server = createServer({
    maxHeaderSize: options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES,
    requireHostHeader: true,
  });
  server.headersTimeout = 10_000;

  const logRefusal = (req: IncomingMessage | undefined, refusal: ProxyRefusal): void =>
    options.logger.warn(
      { code: refusal.code, status: refusal.status, method: req?.method, client: req?.socket.remoteAddress },
      `egress refused: ${refusal.message}`,
    );
  const logForwarded = (done: ForwardedRequest): void => options.logger.info({ ...done }, "egress forwarded");

  server.on("request", (req, res) => {
    forwardRequest(req, res, options).then(logForwarded, (err: unknown) => {
      const refusal = asRefusal(err);
      logRefusal(req, refusal);
      respondRefusal(res, refusal);
    });
  });
  server.on("connect", (req: IncomingMessage, client: Duplex, head: Buffer) => {
    openTunnel(req, client, head, options, (socket) => {
      upstreams.add(socket);
      socket.on("close", () => upstreams.delete(socket));
    }).then(logForwarded, (err: unknown) => {
      const refusal = asRefusal(err);
      logRefusal(req, refusal);
      writeRawRefusal(client, refusal);
    });
  });
  server.on("upgrade", (req: IncomingMessage, client: Duplex) => {
    const refusal = new ProxyRefusal(ProxyErrorCode.UPGRADE_FORBIDDEN, "expected no Upgrade: plain requests only");
    logRefusal(req, refusal);
    writeRawRefusal(client, refusal);
  });
  server.on("clientError", (err: unknown, socket: Duplex) => {
    const refusal = new ProxyRefusal(parserErrorCode(err), "the request could not be read unambiguously");
    logRefusal(undefined, refusal);
    writeRawRefusal(socket, refusal);
  });

  const listenHost = options.listenHost ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.listenPort ?? 0, listenHost, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${listenHost.includes(":") ? `[${listenHost}]` : listenHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of upstreams) socket.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
