import { isDnsName } from "../protocol/policy/grammar";
import { ProxyErrorCode } from "./codes";
import { refuse } from "./refusal";

/** A request target's host and port, as the proxy will check and dial them. */
export interface Authority {
  /** A lowercase DNS name: never an IP literal. */
  readonly host: string;
  readonly port: number;
}

const PORT = /^[1-9][0-9]{0,4}$/;

/**
 * Parses `host[:port]` strictly: no userinfo (PROXY_USERINFO_FORBIDDEN), a host that is a DNS name once lowercased
 * (so no IPv4/IPv6 literal, decimal or hex address, trailing dot or percent-encoding: PROXY_HOST_INVALID), and a
 * port of 1–65535 without leading zeros (`defaultPort` when absent and allowed).
 */
export function parseAuthority(text: string, defaultPort: number | undefined): Authority {
  if (text.includes("@")) refuse(ProxyErrorCode.USERINFO_FORBIDDEN, "expected no userinfo in the request target");
  if (text.startsWith("[")) refuse(ProxyErrorCode.HOST_INVALID, "expected a DNS name, got an IP literal");
  const colon = text.lastIndexOf(":");
  const hostPart = colon === -1 ? text : text.slice(0, colon);
  const portPart = colon === -1 ? undefined : text.slice(colon + 1);
  const host = hostPart.toLowerCase();
  if (!isDnsName(host)) refuse(ProxyErrorCode.HOST_INVALID, "expected the target host to be a DNS name");
  let port: number;
  if (portPart === undefined) {
    if (defaultPort === undefined) refuse(ProxyErrorCode.REQUEST_MALFORMED, "expected host:port");
    port = defaultPort;
  } else {
    if (!PORT.test(portPart) || Number(portPart) > 65_535) {
      refuse(ProxyErrorCode.REQUEST_MALFORMED, "expected a port from 1 to 65535");
    }
    port = Number(portPart);
  }
  return { host, port };
}

/** Whether a Host header value names exactly `authority` (its port may be omitted when it is `defaultPort`). */
export function hostHeaderMatches(header: string, authority: Authority, defaultPort: number): boolean {
  const lower = header.toLowerCase();
  if (lower === `${authority.host}:${authority.port}`) return true;
  return authority.port === defaultPort && lower === authority.host;
}
