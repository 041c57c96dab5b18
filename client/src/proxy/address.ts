import { BlockList, isIP } from "node:net";

import { ProxyErrorCode } from "./codes";
import { refuse } from "./refusal";

/** How the proxy turns a host name into the address it dials (injected: tests map names to 127.0.0.1). */
export type ResolveHost = (host: string) => Promise<string>;

/**
 * Addresses a route's DNS name must never lead to unless the operator says so: a name that resolves (or is
 * rebound) to loopback, a private network, link-local (cloud metadata at 169.254.169.254), CGNAT, multicast or
 * another reserved range would let a route for a public name reach the runner's own machine or network.
 */
const RESERVED: readonly (readonly [string, number, "ipv4" | "ipv6"])[] = [
  ["0.0.0.0", 8, "ipv4"],
  ["10.0.0.0", 8, "ipv4"],
  ["100.64.0.0", 10, "ipv4"],
  ["127.0.0.0", 8, "ipv4"],
  ["169.254.0.0", 16, "ipv4"],
  ["172.16.0.0", 12, "ipv4"],
  ["192.0.0.0", 24, "ipv4"],
  ["192.168.0.0", 16, "ipv4"],
  ["198.18.0.0", 15, "ipv4"],
  ["224.0.0.0", 3, "ipv4"],
  ["::", 128, "ipv6"],
  ["::1", 128, "ipv6"],
  ["::ffff:0:0", 96, "ipv6"],
  ["64:ff9b::", 96, "ipv6"],
  ["fc00::", 7, "ipv6"],
  ["fe80::", 10, "ipv6"],
  ["ff00::", 8, "ipv6"],
];

function reservedList(): BlockList {
  const list = new BlockList();
  for (const [network, prefix, family] of RESERVED) list.addSubnet(network, prefix, family);
  return list;
}

const reserved = reservedList();

/**
 * Checks the address a host resolved to before dialing it: it must be an IP address, and outside the reserved
 * ranges unless `allowPrivate` (a proxy whose upstreams live on a private network, or a test on 127.0.0.1).
 * IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are refused outright when private addresses are not allowed.
 */
export function verifyUpstreamAddress(address: string, allowPrivate: boolean): void {
  const family = isIP(address);
  if (family === 0) refuse(ProxyErrorCode.DNS_FAILED, "the resolver returned something that is not an IP address");
  if (allowPrivate) return;
  if (reserved.check(address, family === 4 ? "ipv4" : "ipv6")) {
    refuse(ProxyErrorCode.ADDRESS_FORBIDDEN, "the host resolved to a loopback, private or reserved address");
  }
}
