import type { Clock } from "../protocol/clock";
import { GatewayRequestError } from "../gateway/client";
import { OidcRequestError } from "./errors";

/** Waits `ms` milliseconds: injected so tests never wait for real. */
export type Sleep = (ms: number) => Promise<void>;

/** The real timer, for the edge where a process is wired together. */
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Exponential backoff: `initialMs · factor^attempt`, capped at `maxMs`. */
export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  /** When given, each delay is scaled by 0.5 + random()/2 so that many runners do not retry in step. */
  readonly random?: () => number;
}

/** Defaults: 500 ms doubling to 10 s. */
export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 10_000, factor: 2 };

/** The delay before retry number `attempt` (0-based). */
export function backoffDelay(attempt: number, backoff: Backoff): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** attempt);
  return backoff.random === undefined ? base : Math.floor(base * (0.5 + backoff.random() / 2));
}

/** HTTP statuses worth another try: unreachable (0), timeouts, rate limits, unavailability. */
const TRANSIENT = new Set([0, 408, 429, 502, 503, 504]);

/** Whether a failure may pass on retry: an unreachable or overloaded gateway or token endpoint. */
export function isTransient(err: unknown): boolean {
  if (err instanceof GatewayRequestError) return TRANSIENT.has(err.status);
  if (err instanceof OidcRequestError) return err.status === 0 || err.status >= 500 || TRANSIENT.has(err.status);
  return false;
}

/** Milliseconds from the clock's now until `deadline` (negative once passed). */
export function remainingMs(clock: Clock, deadline: Date): number {
  return deadline.getTime() - clock().getTime();
}

/**
 * Calls `attempt` until it succeeds, a non-transient error occurs, or the next wait would pass `deadline`;
 * then rethrows the last error (the caller wraps it).
 */
export async function retryTransient<T>(
  attempt: () => Promise<T>,
  options: { clock: Clock; sleep: Sleep; deadline: Date; backoff: Backoff; maxAttempts: number },
): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      const delay = backoffDelay(n, options.backoff);
      const last = n + 1 >= options.maxAttempts || remainingMs(options.clock, options.deadline) < delay;
      if (!isTransient(err) || last) throw err;
      await options.sleep(delay);
    }
  }
}
