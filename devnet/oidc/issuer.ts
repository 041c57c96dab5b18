import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type Clock, epochSeconds, systemClock } from "../../client/src/protocol/clock";
import { GITHUB_CLAIMS_SUPPORTED, TOKEN_LIFETIME_SECONDS, defaultAudience, githubClaimsFor } from "./claims";
import { type SigningKey, generateSigningKey } from "./keys";
import { JWKS_PATH, TOKEN_API_VERSION, TOKEN_PATH, createRequestHandler } from "./routes";
import { type GitHubRunContext, resolveRunContext } from "./runContext";
import { mintToken, type MintOptions } from "./mint";

/** How the development issuer starts. */
export interface DevOidcIssuerOptions {
  /** Time for iat, nbf and exp. Default: the machine's clock. */
  clock?: Clock;
  /** TCP port on 127.0.0.1. Default 0 (any free port). */
  port?: number;
  /** Fields every registered run and minted token starts from (over the built-in defaults). */
  defaultContext?: Partial<GitHubRunContext>;
  /** exp − iat of issued tokens. Default 300, as GitHub. */
  tokenLifetimeSeconds?: number;
}

/** What a registered run is given: the two variables GitHub sets in a job with `id-token: write`. */
export interface RunCredentials {
  /** `ACTIONS_ID_TOKEN_REQUEST_URL`: already carries a query string. */
  requestUrl: string;
  /** `ACTIONS_ID_TOKEN_REQUEST_TOKEN`: the bearer for the token endpoint. */
  requestToken: string;
}

/** A running development OIDC issuer and its test controls (not reachable over HTTP). */
export interface DevOidcIssuer {
  /** `http://127.0.0.1:<port>`, no trailing slash; also the `iss` of its tokens. */
  readonly url: string;
  readonly issuer: string;
  readonly jwksUri: string;
  /** The kid new tokens are signed with. */
  readonly currentKid: string;
  /** How many JWKS requests arrived (served or refused). */
  readonly jwksRequests: number;
  /** Registers a job; tokens fetched with its credentials carry its claims. */
  registerRun(context?: Partial<GitHubRunContext>): RunCredentials;
  /** A token signed now, with claims overridden (an `undefined` value removes a claim) and header options. */
  mint(claims?: Record<string, unknown>, options?: MintOptions): string;
  /** Adds a new signing key and signs with it from now on; old keys stay in the JWKS until retired. */
  rotateKey(): Promise<string>;
  /** Removes every key but the current one from the JWKS. */
  retireOldKeys(): void;
  /** While false, the JWKS answers 503. */
  setJwksAvailable(available: boolean): void;
  /** The JWKS waits this long before answering (to exercise client timeouts). */
  setJwksDelay(ms: number): void;
  stop(): Promise<void>;
}

/**
 * Starts a development-only OIDC issuer on 127.0.0.1 that speaks GitHub Actions' token protocol and issues
 * GitHub's claim set. Explicit configuration only: production names GitHub's issuer, never this one.
 */
export async function startDevOidcIssuer(options: DevOidcIssuerOptions = {}): Promise<DevOidcIssuer> {
  const clock = options.clock ?? systemClock;
  const lifetimeSeconds = options.tokenLifetimeSeconds ?? TOKEN_LIFETIME_SECONDS;
  const keys: SigningKey[] = [await generateSigningKey()];
  const current = () => keys[keys.length - 1]!;
  const runs = new Map<string, GitHubRunContext>();
  const timers = new Set<NodeJS.Timeout>();
  let jwksAvailable = true;
  let jwksDelayMs = 0;
  let jwksRequests = 0;
  let url = "";

  const digest = (token: string) => createHash("sha256").update(token).digest("hex");
  const signFor = (context: GitHubRunContext, audience: string | undefined) =>
    mintToken(
      githubClaimsFor(context, {
        issuer: url,
        audience: audience ?? defaultAudience(context),
        issuedAt: epochSeconds(clock),
        jti: randomUUID(),
        lifetimeSeconds,
      }),
      {},
      keys,
    );

  const server = createServer(
    createRequestHandler({
      openidConfiguration: () => ({
        issuer: url,
        jwks_uri: `${url}${JWKS_PATH}`,
        subject_types_supported: ["public", "pairwise"],
        response_types_supported: ["id_token"],
        claims_supported: [...GITHUB_CLAIMS_SUPPORTED],
        id_token_signing_alg_values_supported: ["RS256"],
        scopes_supported: ["openid"],
      }),
      jwksDocument: () => (jwksAvailable ? { keys: keys.map((k) => k.jwk) } : undefined),
      onJwksRequest: () => void jwksRequests++,
      jwksDelayMs: () => jwksDelayMs,
      wait: (ms) =>
        new Promise((resolve) => {
          const timer = setTimeout(() => (timers.delete(timer), resolve()), ms);
          timers.add(timer);
        }),
      tokenForRun: (requestToken, audience) => {
        const context = runs.get(digest(requestToken));
        return context === undefined ? undefined : signFor(context, audience);
      },
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    issuer: url,
    jwksUri: `${url}${JWKS_PATH}`,
    get currentKid() {
      return current().kid;
    },
    get jwksRequests() {
      return jwksRequests;
    },
    registerRun(context = {}) {
      const requestToken = randomBytes(32).toString("base64url");
      runs.set(digest(requestToken), resolveRunContext(context, options.defaultContext));
      return { requestUrl: `${url}${TOKEN_PATH}?api-version=${TOKEN_API_VERSION}`, requestToken };
    },
    mint(claims = {}, mintOptions = {}) {
      const context = resolveRunContext(mintOptions.context, options.defaultContext);
      const base = githubClaimsFor(context, {
        issuer: url,
        audience: defaultAudience(context),
        issuedAt: epochSeconds(clock),
        jti: randomUUID(),
        lifetimeSeconds,
      });
      return mintToken({ ...base, ...claims }, mintOptions, keys);
    },
    async rotateKey() {
      keys.push(await generateSigningKey());
      return current().kid;
    },
    retireOldKeys() {
      keys.splice(0, keys.length - 1);
    },
    setJwksAvailable(available) {
      jwksAvailable = available;
    },
    setJwksDelay(ms) {
      jwksDelayMs = ms;
    },
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
