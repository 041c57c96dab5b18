import { OidcRequestError, RunnerErrorCode, runnerFail } from "./errors";

/** A fresh OIDC token for the runner's audience on every call (the gateway refuses a token it has seen). */
export type IdTokenSource = () => Promise<string>;

/** GitHub's runner token endpoint, as `ACTIONS_ID_TOKEN_REQUEST_URL` / `_TOKEN` give it, and the audience. */
export interface IdTokenRequest {
  readonly requestUrl: string;
  readonly requestToken: string;
  readonly audience: string;
  readonly fetch: typeof fetch;
  /** Per-request timeout, default 30 s. */
  readonly timeoutMs?: number;
}

/** The environment variables GitHub sets on a job with `permissions: id-token: write`. */
export const ID_TOKEN_REQUEST_URL_ENV = "ACTIONS_ID_TOKEN_REQUEST_URL";
export const ID_TOKEN_REQUEST_TOKEN_ENV = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";

/** Longest token accepted from the endpoint. */
const MAX_TOKEN_CHARS = 16_384;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * Refuses a request URL the request token must not be sent to: not https (http only on a loopback host, for a
 * development issuer), or without the query GitHub's URL always carries (`?api-version=…`), to which the
 * audience is appended with `&`.
 */
export function verifyRequestUrl(requestUrl: string): URL {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch (cause) {
    runnerFail(RunnerErrorCode.OIDC_ENV_INVALID, `expected ${ID_TOKEN_REQUEST_URL_ENV} to be a URL`, cause);
  }
  const secure = url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname));
  if (!secure) runnerFail(RunnerErrorCode.OIDC_ENV_INVALID, "expected an https token request URL");
  if (url.search === "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    runnerFail(RunnerErrorCode.OIDC_ENV_INVALID, "expected a token request URL with a query and no fragment");
  }
  return url;
}

/**
 * Gets an OIDC token exactly as GitHub's runner protocol (and `@actions/core` `getIDToken`) does:
 * `GET <requestUrl>&audience=<urlencoded audience>` with `Authorization: Bearer <requestToken>`, answer
 * `{ "value": "<jwt>" }`. Neither token appears in any error.
 */
export async function getIdToken(request: IdTokenRequest): Promise<string> {
  verifyRequestUrl(request.requestUrl);
  if (request.audience === "") runnerFail(RunnerErrorCode.OIDC_ENV_INVALID, "expected a non-empty audience");
  const url = `${request.requestUrl}&audience=${encodeURIComponent(request.audience)}`;
  let res: Response;
  try {
    res = await request.fetch(url, {
      method: "GET",
      headers: { authorization: `Bearer ${request.requestToken}`, accept: "application/json" },
      redirect: "error",
      signal: AbortSignal.timeout(request.timeoutMs ?? 30_000),
    });
  } catch (cause) {
    throw new OidcRequestError("cannot reach the OIDC token endpoint", 0, { cause });
  }
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => undefined);
    throw new OidcRequestError(`expected 200 from the OIDC token endpoint, got ${res.status}`, res.status);
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch (cause) {
    runnerFail(RunnerErrorCode.OIDC_ANSWER_INVALID, "expected a JSON answer from the OIDC token endpoint", cause);
  }
  const value = (body as { value?: unknown } | null)?.value;
  if (typeof value !== "string" || value.length > MAX_TOKEN_CHARS || !COMPACT_JWS.test(value)) {
    runnerFail(RunnerErrorCode.OIDC_ANSWER_INVALID, "expected a compact JWT in the answer's `value`");
  }
  return value;
}

/**
 * A token source from the job's environment (read once, here at the edge): refuses at once when the variables
 * are missing, which on GitHub means the job lacks `permissions: id-token: write`.
 */
export function idTokenSourceFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  options: { audience: string; fetch: typeof fetch; timeoutMs?: number },
): IdTokenSource {
  const requestUrl = env[ID_TOKEN_REQUEST_URL_ENV];
  const requestToken = env[ID_TOKEN_REQUEST_TOKEN_ENV];
  if (!requestUrl || !requestToken) {
    runnerFail(
      RunnerErrorCode.OIDC_ENV_MISSING,
      `expected ${ID_TOKEN_REQUEST_URL_ENV} and ${ID_TOKEN_REQUEST_TOKEN_ENV} (permissions: id-token: write)`,
    );
  }
  verifyRequestUrl(requestUrl);
  return () => getIdToken({ requestUrl, requestToken, ...options });
}
