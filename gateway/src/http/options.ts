import type { Request } from "express";
import type { Logger } from "pino";
import type { Clock } from "../../../client/src/protocol/clock";
import { requireNumber } from "./rateLimiter";

/** How the HTTP layer is configured. Only `logger` and `clock` are required; every limit has a default. */
export interface HttpOptions {
  /** Where request lines and errors go; the layer adds its own redaction on top. */
  logger: Logger;
  /** Time for the rate limiter. */
  clock: Clock;
  /** Largest accepted request body, in bytes. Default 65,536 (64 KiB). */
  bodyLimitBytes?: number;
  /** Deepest accepted nesting of arrays and objects in a JSON body. Default 32. */
  maxJsonDepth?: number;
  /** A service call taking longer is answered 503 `TIMEOUT`. Default 30,000. */
  handlerTimeoutMs?: number;
  /** Per-address token bucket on every `/v1` request. */
  rateLimit?: {
    /** Sustained requests per second per key. Default 10. */
    ratePerSecond?: number;
    /** Requests allowed in a burst. Default 20. */
    burst?: number;
    /** Most keys tracked at once. Default 10,000. */
    maxKeys?: number;
  };
  /** The rate-limit key of a request. Default: `addressKey` of the peer address (IPv6 grouped per /64). */
  keyOf?: (req: Request) => string;
  /**
   * Express's `trust proxy` setting (hop count, or addresses/subnets of trusted proxies). Unset: no proxy
   * header is trusted and the peer address is the socket's. Never set it to `true`.
   */
  trustProxy?: number | string | readonly string[];
  /** Whether to collect prom-client's default process metrics into the app's registry. Default true. */
  defaultMetrics?: boolean;
}

/** `HttpOptions` with every default filled in and every number checked. */
export interface ResolvedHttpOptions {
  logger: Logger;
  clock: Clock;
  bodyLimitBytes: number;
  maxJsonDepth: number;
  handlerTimeoutMs: number;
  rateLimit: { ratePerSecond: number; burst: number; maxKeys: number };
  keyOf: ((req: Request) => string) | undefined;
  trustProxy: number | string | readonly string[] | undefined;
  defaultMetrics: boolean;
}

/** Fills in defaults and refuses out-of-range limits with `HTTP_CONFIG_INVALID`, once, at startup. */
export function resolveHttpOptions(options: HttpOptions): ResolvedHttpOptions {
  const rate = options.rateLimit ?? {};
  return {
    logger: options.logger,
    clock: options.clock,
    bodyLimitBytes: requireNumber("bodyLimitBytes", options.bodyLimitBytes ?? 64 * 1024, 1, true),
    maxJsonDepth: requireNumber("maxJsonDepth", options.maxJsonDepth ?? 32, 1, true),
    handlerTimeoutMs: requireNumber("handlerTimeoutMs", options.handlerTimeoutMs ?? 30_000, 1, true),
    rateLimit: {
      ratePerSecond: requireNumber("rateLimit.ratePerSecond", rate.ratePerSecond ?? 10, Number.MIN_VALUE, false),
      burst: requireNumber("rateLimit.burst", rate.burst ?? 20, 1, true),
      maxKeys: requireNumber("rateLimit.maxKeys", rate.maxKeys ?? 10_000, 1, true),
    },
    keyOf: options.keyOf,
    trustProxy: options.trustProxy,
    defaultMetrics: options.defaultMetrics ?? true,
  };
}
