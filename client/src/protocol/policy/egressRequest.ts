import { isDnsName, isMethodToken, isNormalizedPath, isPortString, isQuery } from "./grammar";
import type { EgressRequest } from "./types";

/** A request in the one spelling rules are matched against. */
export interface NormalizedEgressRequest {
  readonly scheme: "https" | "http";
  /** Lowercase DNS name. */
  readonly host: string;
  /** Decimal string, 1–65535, no leading zero. */
  readonly port: string;
  /** Uppercase method token. */
  readonly method: string;
  /** The path, without the query. */
  readonly path: string;
}

/** The port as a capsule spells it, or undefined if it is not an integer from 1 to 65535. */
function normalizePort(port: unknown): string | undefined {
  if (typeof port === "number") return Number.isInteger(port) && port >= 1 && port <= 65_535 ? String(port) : undefined;
  return typeof port === "string" && isPortString(port) ? port : undefined;
}

/**
 * The request in normalized form, or undefined when it has no single meaning and must be denied outright:
 * a host that is not a DNS name once lowercased (an IP literal, a trailing dot, a port or userinfo inside it),
 * a method that is not an uppercase token, or a path that is not normalized (a `.` or `..` segment, an empty
 * segment, a backslash, an encoded dot, slash, backslash or percent, an encoded character that may appear raw,
 * a `;`, a fragment, or anything not starting with `/`). Failing closed here is what lets rule matching be a
 * plain prefix comparison: a second spelling of a denied path never reaches it.
 */
export function normalizeEgressRequest(request: EgressRequest): NormalizedEgressRequest | undefined {
  const { scheme, host, method, path } = request as Partial<Record<keyof EgressRequest, unknown>>;
  if (typeof scheme !== "string" || typeof host !== "string" || typeof method !== "string") return undefined;
  if (typeof path !== "string") return undefined;
  const lowerScheme = scheme.toLowerCase();
  if (lowerScheme !== "https" && lowerScheme !== "http") return undefined;
  const lowerHost = host.toLowerCase();
  if (!isDnsName(lowerHost)) return undefined;
  const port = normalizePort(request.port);
  if (port === undefined || !isMethodToken(method)) return undefined;
  const q = path.indexOf("?");
  const pathOnly = q === -1 ? path : path.slice(0, q);
  if (!isNormalizedPath(pathOnly) || (q !== -1 && !isQuery(path.slice(q + 1)))) return undefined;
  return { scheme: lowerScheme, host: lowerHost, port, method, path: pathOnly };
}
