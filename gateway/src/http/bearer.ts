/** RFC 6750 `b64token`: what a bearer token may consist of (a JWT always does). */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The token of an `Authorization: Bearer <token>` header, or undefined for anything else: no header, another
 * scheme, the scheme alone, or a token with characters RFC 6750 does not allow. The scheme is matched
 * case-insensitively (RFC 9110 §11.1). The token is not verified here: the services do that.
 */
export function bearerOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^([A-Za-z]+) +(\S+)$/.exec(header);
  if (match === null || match[1]!.toLowerCase() !== "bearer") return undefined;
  const token = match[2]!;
  return B64TOKEN.test(token) ? token : undefined;
}
