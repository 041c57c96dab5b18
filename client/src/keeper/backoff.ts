/** Exponential, capped backoff: for RPC failures of a whole pass, and per step for evidence and verifier waits. */

/** `initialMs · factor^attempt`, capped at `maxMs`. */
export interface KeeperBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
}

/** Default: 1 s doubling to 60 s. */
export const DEFAULT_KEEPER_BACKOFF: KeeperBackoff = { initialMs: 1_000, maxMs: 60_000, factor: 2 };

/** The delay before retry number `attempt` (0-based). */
export function backoffMs(attempt: number, b: KeeperBackoff): number {
  return Math.min(b.maxMs, b.initialMs * b.factor ** Math.min(attempt, 64));
}

/** Per-key retry state: how many failures in a row, and not to try again before `notBefore` (epoch ms). */
export class RetryBook {
  private readonly entries = new Map<string, { failures: number; notBefore: number }>();

  constructor(private readonly backoff: KeeperBackoff) {}

  /** Whether `key` may be tried at `nowMs`. */
  due(key: string, nowMs: number): boolean {
    const e = this.entries.get(key);
    return e === undefined || nowMs >= e.notBefore;
  }

  /** Records a failure of `key` at `nowMs`; returns the delay until the next try. */
  failed(key: string, nowMs: number): number {
    const failures = (this.entries.get(key)?.failures ?? 0) + 1;
    const delay = backoffMs(failures - 1, this.backoff);
    this.entries.set(key, { failures, notBefore: nowMs + delay });
    return delay;
  }

  /** Forgets `key` (it succeeded or is done). */
  clear(key: string): void {
    this.entries.delete(key);
  }
}
