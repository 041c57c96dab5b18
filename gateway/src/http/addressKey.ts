import { isIPv4, isIPv6 } from "node:net";

/** The eight 16-bit groups of an IPv6 address in lowercase hex, or undefined if it has an embedded IPv4 tail. */
function ipv6Groups(address: string): string[] | undefined {
  if (address.includes(".")) return undefined;
  const [head, tail] = address.toLowerCase().split("::") as [string, string | undefined];
  const left = head === "" ? [] : head.split(":");
  if (tail === undefined) return left;
  const right = tail === "" ? [] : tail.split(":");
  return [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
}

/**
 * The rate-limit key of a peer address. IPv4 (also IPv4-mapped IPv6) is limited per address; IPv6 per /64,
 * because a single host is routinely handed a whole /64 and could otherwise rotate through addresses.
 * Anything else (a Unix socket, a proxy-supplied value) is used as it is.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return mapped[1]!;
  if (isIPv4(address) || !isIPv6(address)) return address;
  const groups = ipv6Groups(address.split("%")[0]!);
  if (groups === undefined) return address;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
