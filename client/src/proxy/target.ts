import type { IncomingHttpHeaders } from "node:http";

import type { EgressRequest } from "../protocol/policy/types";
import { type Authority, hostHeaderMatches, parseAuthority } from "./authority";
import { ProxyErrorCode } from "./codes";
import { refuse } from "./refusal";

/** An absolute-form request, checked and split into what egress rules match and what the proxy dials. */
export interface ProxyTarget {
  readonly authority: Authority;
  /** What the routes are matched against (port filled in, never empty). */
  readonly egress: EgressRequest;
  /** The origin-form target sent upstream: the path and query exactly as the client wrote them. */
  readonly originForm: string;
}

const ABSOLUTE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^#]*)$/;
const DEFAULT_PORT = 80;

/**
 * Parses an absolute-form target (`http://host[:port]/path?query`, RFC 9112 §3.2.2) of a plain-HTTP proxy request.
 * Refuses origin-form and anything with a fragment (PROXY_REQUEST_MALFORMED), userinfo, an IP literal, a scheme
 * other than http (`https` must tunnel with CONNECT: PROXY_SCHEME_UNSUPPORTED), and a Host header that names
 * another authority (PROXY_HOST_MISMATCH: the proxy will not guess which of the two the client meant).
 */
export function parseProxyTarget(method: string, url: string, headers: IncomingHttpHeaders): ProxyTarget {
  const match = ABSOLUTE.exec(url);
  if (match === null) refuse(ProxyErrorCode.REQUEST_MALFORMED, "expected an absolute-form http:// request target");
  const [, scheme, authorityText, rest] = match as unknown as [string, string, string, string];
  if (scheme.toLowerCase() !== "http") {
    refuse(ProxyErrorCode.SCHEME_UNSUPPORTED, `expected scheme http (use CONNECT for https), got ${scheme}`);
  }
  const authority = parseAuthority(authorityText, DEFAULT_PORT);
  const originForm = rest === "" ? "/" : rest;
  if (!originForm.startsWith("/")) refuse(ProxyErrorCode.REQUEST_MALFORMED, "expected the path to start with /");
  const host = headers.host;
  if (typeof host !== "string" || !hostHeaderMatches(host, authority, DEFAULT_PORT)) {
    refuse(ProxyErrorCode.HOST_MISMATCH, `expected the Host header to name ${authority.host}:${authority.port}`);
  }
  return {
    authority,
    egress: { scheme: "http", host: authority.host, port: authority.port, method, path: originForm },
    originForm,
  };
}

/** Parses a CONNECT target: exactly `host:port` (RFC 9110 §9.3.6), with a Host header naming the same. */
export function parseConnectTarget(url: string, headers: IncomingHttpHeaders): Authority {
  const authority = parseAuthority(url, undefined);
  const host = headers.host;
  if (host !== undefined && !hostHeaderMatches(host, authority, -1)) {
    refuse(ProxyErrorCode.HOST_MISMATCH, `expected the Host header to name ${authority.host}:${authority.port}`);
  }
  return authority;
}
