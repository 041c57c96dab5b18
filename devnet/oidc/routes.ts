import type { IncomingMessage, ServerResponse } from "node:http";

/** The path of the runner token endpoint; the request URL handed to a run is `<issuer>/token?api-version=2.0`. */
export const TOKEN_PATH = "/token";
/** The only API version the token endpoint speaks, as GitHub's runner sends it. */
export const TOKEN_API_VERSION = "2.0";
/** Path of the discovery document. */
export const OPENID_CONFIGURATION_PATH = "/.well-known/openid-configuration";
/** Path of the JWKS (GitHub's path). */
export const JWKS_PATH = "/.well-known/jwks";

/** What the HTTP layer asks of the issuer. */
export interface IssuerEndpoints {
  openidConfiguration(): Record<string, unknown>;
  /** The JWKS document, or undefined while the JWKS is switched off. */
  jwksDocument(): Record<string, unknown> | undefined;
  /** Called for every JWKS request, served or not. */
  onJwksRequest(): void;
  /** How long the JWKS endpoint waits before answering. */
  jwksDelayMs(): number;
  wait(ms: number): Promise<void>;
  /** A fresh token for the run that owns `requestToken`, or undefined if no run does. */
  tokenForRun(requestToken: string, audience: string | undefined): string | undefined;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * GitHub's runner protocol: `GET <request URL>&audience=<aud>` with `Authorization: Bearer <request token>`
 * answers `{"count": <length of value>, "value": "<jwt>"}`. Without the audience parameter the token gets
 * GitHub's default audience. A missing or unknown bearer is 401.
 */
function serveToken(req: IncomingMessage, res: ServerResponse, url: URL, endpoints: IssuerEndpoints): void {
  if (url.searchParams.get("api-version") !== TOKEN_API_VERSION) {
    sendJson(res, 400, { message: `expected api-version=${TOKEN_API_VERSION}` });
    return;
  }
  const audiences = url.searchParams.getAll("audience");
  if (audiences.length > 1) {
    sendJson(res, 400, { message: "expected at most one audience" });
    return;
  }
  const bearer = /^Bearer ([A-Za-z0-9_-]{1,256})$/.exec(req.headers.authorization ?? "");
  const token = bearer === null ? undefined : endpoints.tokenForRun(bearer[1]!, audiences[0] || undefined);
  if (token === undefined) {
    sendJson(res, 401, { message: "expected a valid bearer request token" }, { "www-authenticate": "Bearer" });
    return;
  }
  sendJson(res, 200, { count: token.length, value: token });
}

async function serveJwks(res: ServerResponse, endpoints: IssuerEndpoints): Promise<void> {
  endpoints.onJwksRequest();
  const delay = endpoints.jwksDelayMs();
  if (delay > 0) await endpoints.wait(delay);
  const document = endpoints.jwksDocument();
  if (document === undefined) sendJson(res, 503, { message: "the JWKS is unavailable" });
  else sendJson(res, 200, document);
}

/** The issuer's request handler: discovery, JWKS and the runner token endpoint; everything else is 404. */
export function createRequestHandler(endpoints: IssuerEndpoints): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://127.0.0.1");
    } catch {
      return sendJson(res, 400, { message: "expected a request path" });
    }
    const known = [OPENID_CONFIGURATION_PATH, JWKS_PATH, TOKEN_PATH].includes(url.pathname);
    if (!known) return sendJson(res, 404, { message: "not found" });
    if (req.method !== "GET") return sendJson(res, 405, { message: "expected GET" }, { allow: "GET" });
    if (url.pathname === OPENID_CONFIGURATION_PATH) return sendJson(res, 200, endpoints.openidConfiguration());
    if (url.pathname === TOKEN_PATH) return serveToken(req, res, url, endpoints);
    serveJwks(res, endpoints).catch(() => res.destroy());
  };
}
