import type { IncomingHttpHeaders } from "node:http";

import { type NetCapClaims, verifyNetCap } from "../protocol/netcap";
import { netCapFromProxyAuthorization } from "./credentials";
import type { EgressProxyOptions } from "./options";

/** Reads the netCap from Proxy-Authorization and verifies it for this proxy's gateway, market and chain. */
export async function authenticate(headers: IncomingHttpHeaders, options: EgressProxyOptions): Promise<NetCapClaims> {
  const token = netCapFromProxyAuthorization(headers["proxy-authorization"]);
  return verifyNetCap(token, {
    keys: options.keys,
    issuer: options.issuer,
    market: options.market,
    chainId: options.chainId,
    clock: options.clock,
    ...(options.leewaySeconds === undefined ? {} : { leewaySeconds: options.leewaySeconds }),
  });
}
