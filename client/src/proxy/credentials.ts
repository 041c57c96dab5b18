import { ProxyErrorCode } from "./codes";
import { refuse } from "./refusal";

/** The user name a netCap travels under in Basic proxy credentials (`http://netcap:<jws>@proxy:port`). */
export const NETCAP_BASIC_USER = "netcap";

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The netCap carried by a `Proxy-Authorization` header: `Bearer <netCap>`, or `Basic base64("netcap:<netCap>")`
 * (what curl, Python and Node clients send for a proxy URL with userinfo). Anything else is PROXY_AUTH_MISSING;
 * the token itself is checked later by verifyNetCap. The header value is never echoed back.
 */
export function netCapFromProxyAuthorization(header: string | string[] | undefined): string {
  if (header === undefined) refuse(ProxyErrorCode.AUTH_MISSING, "expected Proxy-Authorization with a netCap");
  if (Array.isArray(header) || header.length > 16_384) {
    refuse(ProxyErrorCode.AUTH_MISSING, "expected exactly one Proxy-Authorization header");
  }
  const space = header.indexOf(" ");
  const scheme = space === -1 ? header : header.slice(0, space);
  const value = space === -1 ? "" : header.slice(space + 1);
  let token: string | undefined;
  if (scheme.toLowerCase() === "bearer") token = value;
  else if (scheme.toLowerCase() === "basic" && BASE64.test(value)) {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const prefix = `${NETCAP_BASIC_USER}:`;
    if (decoded.startsWith(prefix)) token = decodeURIComponentSafe(decoded.slice(prefix.length));
  }
  if (token === undefined || !COMPACT_JWS.test(token)) {
    refuse(ProxyErrorCode.AUTH_MISSING, "expected Proxy-Authorization: Bearer <netCap> or Basic netcap:<netCap>");
  }
  return token;
}

/** Clients percent-encode proxy passwords; a netCap has no character that needs it, so only decode when valid. */
function decodeURIComponentSafe(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
