import type { Clock } from "../../../client/src/protocol/clock";
import { httpError } from "./codes";

/** How a token bucket refills and how many keys it tracks. */
export interface TokenBucketOptions {
  /** Tokens added per second (the sustained request rate). */
  ratePerSecond: number;
  /** Bucket size: requests allowed in a burst from a full bucket. */
  burst: number;
  /** Most keys tracked at once; the least recently seen key is forgotten first. */
  maxKeys: number;
  clock: Clock;
}

/** A decision: allowed, or refused with the whole seconds after which one token will be back. */
export type TakeResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  /** Milliseconds of the clock when `tokens` was computed. */
  at: number;
}

/** At most this many idle buckets are dropped per call, so one call never walks the whole map. */
const SWEEP_PER_TAKE = 8;

/** Throws `HTTP_CONFIG_INVALID` unless `value` is finite and at least `min` (and whole when `integer`). */
export function requireNumber(name: string, value: number, min: number, integer: boolean): number {
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw httpError("HTTP_CONFIG_INVALID", `expected ${name} ≥ ${min}${integer ? " (whole)" : ""}, got ${value}`);
  }
  return value;
}

/**
 * Per-key token buckets with bounded memory. The map is kept in least-recently-used order (a key is moved to
 * the end whenever it is seen). Each call drops a few buckets from the front that have refilled completely:
 * a full bucket behaves exactly like a new one, so forgetting it changes no decision. When the map is at
 * `maxKeys`, the least recently seen key is forgotten even if not full; that only ever gives that key a fresh
 * burst, and an attacker would need `maxKeys` other keys to cause it for a key of their own.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly rate: number;
  private readonly burst: number;
  private readonly maxKeys: number;
  private readonly clock: Clock;

  constructor(options: TokenBucketOptions) {
    this.rate = requireNumber("ratePerSecond", options.ratePerSecond, Number.MIN_VALUE, false);
    this.burst = requireNumber("burst", options.burst, 1, true);
    this.maxKeys = requireNumber("maxKeys", options.maxKeys, 1, true);
    this.clock = options.clock;
  }

  /** Number of keys currently tracked (never above `maxKeys`). */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token from `key`'s bucket if one is there. */
  take(key: string): TakeResult {
    const now = this.clock().getTime();
    this.sweep(now);
    const bucket = this.buckets.get(key) ?? this.fresh(now);
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    bucket.tokens = this.tokensAt(bucket, now);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.rate)) };
  }

  private tokensAt(bucket: Bucket, now: number): number {
    // A clock that steps back refills nothing rather than draining the bucket.
    const elapsedSeconds = Math.max(0, now - bucket.at) / 1000;
    return Math.min(this.burst, bucket.tokens + elapsedSeconds * this.rate);
  }

  private fresh(now: number): Bucket {
    if (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
    return { tokens: this.burst, at: now };
  }

  private sweep(now: number): void {
    for (let i = 0; i < SWEEP_PER_TAKE; i++) {
      const oldest = this.buckets.entries().next();
      if (oldest.done || this.tokensAt(oldest.value[1], now) < this.burst) return;
      this.buckets.delete(oldest.value[0]);
    }
  }
}
