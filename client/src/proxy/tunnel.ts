import type { IncomingMessage } from "node:http";
import { type Socket, connect } from "node:net";
import type { Duplex } from "node:stream";

import { epochSeconds } from "../protocol/clock";
import { authenticate } from "./authenticate";
import { authorizeConnect } from "./authorize";
import { ProxyErrorCode } from "./codes";
import { resolveUpstream } from "./dial";
import { verifyRequestFraming } from "./framing";
import type { ForwardedRequest } from "./forward";
import type { EgressProxyOptions } from "./options";
import { ProxyRefusal } from "./refusal";
import { parseConnectTarget } from "./target";

/** setTimeout's largest delay (about 24.8 days): a longer one would fire at once, so longer windows are capped. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Handles a CONNECT, as a checklist: unambiguous framing → a valid netCap → `host:port` that is a DNS name and
 * agrees with the Host header → some route opens that host:port for every method and path (authorizeConnect) →
 * a permitted address. Then the tunnel is opened and spliced; it is closed when the netCap expires, so no tunnel
 * outlives the step's window. `track` registers the upstream socket so that closing the proxy closes it too.
 */
export async function openTunnel(
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  options: EgressProxyOptions,
  track: (socket: Socket) => void,
): Promise<ForwardedRequest> {
  verifyRequestFraming(req);
  const claims = await authenticate(req.headers, options);
  const authority = parseConnectTarget(req.url ?? "", req.headers);
  authorizeConnect(claims.routes, authority);
  const address = await resolveUpstream(authority, options);
  const upstream = await new Promise<Socket>((resolve, reject) => {
    const socket = connect({ host: address, port: authority.port });
    track(socket);
    socket.setTimeout(options.upstreamTimeoutMs ?? 30_000, () => socket.destroy(new Error("connect timed out")));
    socket.once("error", (cause) =>
      reject(new ProxyRefusal(ProxyErrorCode.UPSTREAM_FAILED, `cannot reach ${authority.host}`, { cause })),
    );
    socket.once("connect", () => {
      socket.setTimeout(0);
      resolve(socket);
    });
  });
  const remainingMs = (claims.exp - epochSeconds(options.clock)) * 1000;
  const expiry = setTimeout(
    () => {
      upstream.destroy();
      client.destroy();
    },
    Math.min(Math.max(remainingMs, 0), MAX_TIMER_MS),
  );
  expiry.unref();
  const end = (): void => {
    clearTimeout(expiry);
    upstream.destroy();
    client.destroy();
  };
  upstream.on("error", end).on("close", end);
  client.on("error", end).on("close", end);
  client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
  if (head.length > 0) upstream.write(head);
  upstream.pipe(client);
  client.pipe(upstream);
  return {
    method: "CONNECT",
    host: authority.host,
    port: authority.port,
    entitlementId: claims.entitlementId,
    step: claims.step,
  };
}
