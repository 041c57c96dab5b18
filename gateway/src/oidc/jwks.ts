import type { CryptoKey } from "jose";
import type { Clock } from "../../../client/src/protocol/clock";
import { oidcError } from "./codes";
import { importJwksKeys } from "./jwksKeys";

/** Where the token verifier gets the issuer's public keys. */
export interface JwksSource {
  /** The issuer's RS256 public key named `kid` (`TOKEN_KID_UNKNOWN` 401, `JWKS_UNAVAILABLE` 503). */
  getKey(kid: string): Promise<CryptoKey>;
}

/** How a remote JWKS is fetched and cached. */
export interface RemoteJwksOptions {
  /** The issuer's JWKS URL (GitHub: `https://token.actions.githubusercontent.com/.well-known/jwks`). */
  url: string | URL;
  /** The HTTP client: passed in, never reached for. */
  fetch: typeof fetch;
  clock: Clock;
  /** A fetched key set is used for this long, then fetched again before the next use. Default 600. */
  cacheMaxAgeSeconds?: number;
  /** At most one fetch per cooldown is caused by unknown kids or follows a failed fetch. Default 30. */
  cooldownSeconds?: number;
  /** A fetch (connect, status, body) taking longer fails. Default 5000. */
  timeoutMs?: number;
  /** A response body longer than this fails. Default 256 KiB. */
  maxBytes?: number;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) throw oidcError("OIDC_CONFIG_INVALID", `expected ${name} > 0, got ${v}`);
  return v;
}

/**
 * A cached remote JWKS with kid rotation. A kid not in the cache triggers one refetch, unless a fetch started
 * less than `cooldownSeconds` ago: a flood of tokens with made-up kids costs the issuer at most one request
 * per cooldown. A fetch that fails (unreachable, non-200, timeout, not a JWKS) is `JWKS_UNAVAILABLE` 503,
 * and so is any use of a cache that is past its max age and could not be refreshed: nothing is verified
 * against keys the issuer may have withdrawn. After a failure, the next fetch waits for the cooldown.
 *
 * Written over `importJWK` rather than jose's `createRemoteJWKSet` so that the clock and the HTTP client
 * are injected (the cooldown and the cache age follow the gateway's clock) and every failure has a code.
 */
export function createJwksSource(options: RemoteJwksOptions): JwksSource {
  const url = new URL(options.url);
  const maxAgeMs = positive("cacheMaxAgeSeconds", options.cacheMaxAgeSeconds, 600) * 1000;
  const cooldownMs = positive("cooldownSeconds", options.cooldownSeconds, 30) * 1000;
  const timeoutMs = positive("timeoutMs", options.timeoutMs, 5000);
  const maxBytes = positive("maxBytes", options.maxBytes, 256 * 1024);
  const now = () => options.clock().getTime();

  let keys: Map<string, CryptoKey> | undefined;
  let fetchedAt = -Infinity;
  let lastAttemptAt = -Infinity;
  let lastAttemptFailed = false;
  let inflight: Promise<void> | undefined;

  const coolingDown = () => now() - lastAttemptAt < cooldownMs;

  async function fetchKeys(): Promise<Map<string, CryptoKey>> {
    try {
      const response = await options.fetch(url, {
        headers: { accept: "application/json" },
        redirect: "error",
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status !== 200) throw new Error(`expected HTTP 200, got ${response.status}`);
      const declared = Number(response.headers.get("content-length") ?? 0);
      if (declared > maxBytes) throw new Error(`expected at most ${maxBytes} bytes, got ${declared}`);
      const body = await response.arrayBuffer();
      if (body.byteLength > maxBytes) throw new Error(`expected at most ${maxBytes} bytes, got ${body.byteLength}`);
      return await importJwksKeys(JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body)));
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw oidcError("JWKS_UNAVAILABLE", `could not fetch the issuer's JWKS: ${reason}`, err);
    }
  }

  /** Fetches the key set, joining a fetch already under way; refuses while cooling down after a failure. */
  async function reload(): Promise<void> {
    if (inflight === undefined) {
      if (lastAttemptFailed && coolingDown()) {
        throw oidcError("JWKS_UNAVAILABLE", "the last JWKS fetch failed; the next one waits for the cooldown");
      }
      const startedAt = now();
      lastAttemptAt = startedAt;
      inflight = fetchKeys()
        .then(
          (fetched) => {
            keys = fetched;
            fetchedAt = startedAt;
            lastAttemptFailed = false;
          },
          (err: unknown) => {
            lastAttemptFailed = true;
            throw err;
          },
        )
        .finally(() => {
          inflight = undefined;
        });
    }
    await inflight;
  }

  const kidUnknown = (kid: string) =>
    oidcError("TOKEN_KID_UNKNOWN", `expected a kid in the issuer's JWKS, got ${JSON.stringify(kid.slice(0, 64))}`);

  return {
    async getKey(kid: string): Promise<CryptoKey> {
      if (keys === undefined || now() - fetchedAt >= maxAgeMs) await reload();
      const cached = keys?.get(kid);
      if (cached !== undefined) return cached;
      if (inflight === undefined && coolingDown()) {
        if (lastAttemptFailed)
          throw oidcError("JWKS_UNAVAILABLE", "the JWKS could not be refetched for an unknown kid");
        throw kidUnknown(kid);
      }
      await reload();
      const fetched = keys?.get(kid);
      if (fetched === undefined) throw kidUnknown(kid);
      return fetched;
    },
  };
}
