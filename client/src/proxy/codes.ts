/** Stable codes of the egress proxy's refusals, with the HTTP status each one is answered with. */
export const ProxyErrorCode = {
  /** No `Proxy-Authorization` header, or not `Bearer <netCap>` / `Basic base64("netcap:<netCap>")`. */
  AUTH_MISSING: "PROXY_AUTH_MISSING",
  /** The request is not a proxy request the proxy understands (origin-form, bad absolute-form, bad CONNECT). */
  REQUEST_MALFORMED: "PROXY_REQUEST_MALFORMED",
  /** The target's authority carries userinfo (`user@host`). */
  USERINFO_FORBIDDEN: "PROXY_USERINFO_FORBIDDEN",
  /** The target host is an IP literal or otherwise not a DNS name (trailing dot, encoded, …). */
  HOST_INVALID: "PROXY_HOST_INVALID",
  /** The `Host` header names another authority than the request target. */
  HOST_MISMATCH: "PROXY_HOST_MISMATCH",
  /** Content-Length together with Transfer-Encoding, a Transfer-Encoding other than `chunked`, repeated lengths. */
  FRAMING_AMBIGUOUS: "PROXY_FRAMING_AMBIGUOUS",
  /** The request headers exceed the proxy's limit. */
  HEADERS_TOO_LARGE: "PROXY_HEADERS_TOO_LARGE",
  /** An `Upgrade` request (WebSocket, h2c): the proxy could not police what flows afterwards. */
  UPGRADE_FORBIDDEN: "PROXY_UPGRADE_FORBIDDEN",
  /** The scheme is not one the proxy forwards (absolute-form `https://` must use CONNECT). */
  SCHEME_UNSUPPORTED: "PROXY_SCHEME_UNSUPPORTED",
  /** The netCap's routes do not allow this scheme, host, port, method and path. */
  ROUTE_DENIED: "PROXY_ROUTE_DENIED",
  /** CONNECT to a host:port that no route opens for every method and path, or that a deny rule touches. */
  CONNECT_DENIED: "PROXY_CONNECT_DENIED",
  /** The host resolved to a loopback, private, link-local or otherwise reserved address. */
  ADDRESS_FORBIDDEN: "PROXY_ADDRESS_FORBIDDEN",
  /** The host did not resolve. */
  DNS_FAILED: "PROXY_DNS_FAILED",
  /** The upstream could not be reached or failed mid-answer. */
  UPSTREAM_FAILED: "PROXY_UPSTREAM_FAILED",
} as const;

/** One of the proxy's own refusal codes. */
export type ProxyErrorCodeValue = (typeof ProxyErrorCode)[keyof typeof ProxyErrorCode];

const STATUS: Readonly<Record<ProxyErrorCodeValue, number>> = {
  PROXY_AUTH_MISSING: 407,
  PROXY_REQUEST_MALFORMED: 400,
  PROXY_USERINFO_FORBIDDEN: 400,
  PROXY_HOST_INVALID: 403,
  PROXY_HOST_MISMATCH: 400,
  PROXY_FRAMING_AMBIGUOUS: 400,
  PROXY_HEADERS_TOO_LARGE: 431,
  PROXY_UPGRADE_FORBIDDEN: 403,
  PROXY_SCHEME_UNSUPPORTED: 403,
  PROXY_ROUTE_DENIED: 403,
  PROXY_CONNECT_DENIED: 403,
  PROXY_ADDRESS_FORBIDDEN: 403,
  PROXY_DNS_FAILED: 502,
  PROXY_UPSTREAM_FAILED: 502,
};

/**
 * The HTTP status for a refusal code: the proxy's own codes from the table above, every `NETCAP_*` code (a
 * missing, forged, expired or foreign netCap) 407, anything else 403.
 */
export function proxyStatusOf(code: string): number {
  if (code in STATUS) return STATUS[code as ProxyErrorCodeValue];
  return code.startsWith("NETCAP_") ? 407 : 403;
}
