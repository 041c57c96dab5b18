import type { Authority } from "./authority";
import { verifyUpstreamAddress } from "./address";
import { ProxyErrorCode } from "./codes";
import type { EgressProxyOptions } from "./options";
import { ProxyRefusal, refuse } from "./refusal";

/**
 * The address to dial for an allowed authority: resolved through the injected resolver, then checked against the
 * reserved ranges. The proxy dials this address, never the name again, so a second DNS answer cannot differ.
 */
export async function resolveUpstream(authority: Authority, options: EgressProxyOptions): Promise<string> {
  let address: string;
  try {
    address = await options.resolveHost(authority.host);
  } catch (cause) {
    if (cause instanceof ProxyRefusal) throw cause;
    refuse(ProxyErrorCode.DNS_FAILED, `cannot resolve ${authority.host}`, cause);
  }
  verifyUpstreamAddress(address, options.allowPrivateAddresses === true);
  return address;
}
