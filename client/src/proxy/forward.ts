import { type IncomingMessage, type ServerResponse, request as httpRequest } from "node:http";

import { authenticate } from "./authenticate";
import { authorizeRequest } from "./authorize";
import { ProxyErrorCode } from "./codes";
import { resolveUpstream } from "./dial";
import { verifyRequestFraming } from "./framing";
import { forwardHeaders } from "./headers";
import type { EgressProxyOptions } from "./options";
import { ProxyRefusal } from "./refusal";
import { parseProxyTarget } from "./target";

/** What one allowed request was: logged on success, never the token, the path's query or any header. */
export interface ForwardedRequest {
  readonly method: string;
  readonly host: string;
  readonly port: number;
  readonly entitlementId: string;
  readonly step: string;
}

/**
 * Handles one plain-HTTP proxy request, as a checklist: unambiguous framing → a valid netCap → a well-formed
 * absolute-form target whose Host header agrees → a route allows it → the name resolves to a permitted address.
 * Only then is anything sent upstream (without Proxy-Authorization or hop-by-hop headers). The answer goes back
 * as is: the proxy never follows a redirect, so a Location to another host is the client's next request, checked
 * like any other.
 */
export async function forwardRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: EgressProxyOptions,
): Promise<ForwardedRequest> {
  verifyRequestFraming(req);
  const claims = await authenticate(req.headers, options);
  const method = req.method ?? "";
  const target = parseProxyTarget(method, req.url ?? "", req.headers);
  authorizeRequest(claims.routes, target.egress);
  const address = await resolveUpstream(target.authority, options);
  await new Promise<void>((resolve, reject) => {
    const upstream = httpRequest({
      host: address,
      port: target.authority.port,
      method,
      path: target.originForm,
      headers: forwardHeaders(req.rawHeaders),
      agent: false,
      setHost: false,
      timeout: options.upstreamTimeoutMs ?? 30_000,
    });
    const fail = (cause: unknown): void =>
      reject(
        new ProxyRefusal(ProxyErrorCode.UPSTREAM_FAILED, `the upstream ${target.authority.host} failed`, { cause }),
      );
    upstream.on("timeout", () => upstream.destroy(new Error("upstream timed out")));
    upstream.on("error", fail);
    upstream.on("response", (answer) => {
      res.writeHead(answer.statusCode ?? 502, forwardHeaders(answer.rawHeaders));
      answer.pipe(res);
      answer.on("end", () => resolve());
      answer.on("error", fail);
    });
    req.pipe(upstream);
  });
  return {
    method,
    host: target.authority.host,
    port: target.authority.port,
    entitlementId: claims.entitlementId,
    step: claims.step,
  };
}
