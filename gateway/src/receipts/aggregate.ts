import type { Clock } from "../../../client/src/protocol/clock";
import { receiptError } from "./codes";
import type { ReceiptEntry, ReceiptObject } from "./receipt";
import { verifyReceiptValue } from "./verifyReceipt";

/** subject.key of the aggregate for refusals whose key could not get a window of its own (too many keys). */
export const OVERFLOW_KEY = "*";
/** codes entry that counts refusals whose code arrived after `maxCodes` distinct codes. */
export const OTHER_CODES = "*";
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const MAX_KEY_LENGTH = 256;

/** Limits for `RefusalLimiter`. */
export interface RefusalLimiterOptions {
  /** Writes a receipt: the ledger's `append`. */
  readonly append: (entry: ReceiptEntry) => Promise<unknown>;
  readonly clock: Clock;
  /** Refusal receipts written normally per key and window (N). */
  readonly limit: number;
  /** Window length in milliseconds (W); a key's window opens at its first refusal. */
  readonly windowMs: number;
  /** Keys tracked at once; refusals of further keys share one overflow window with no free receipts. */
  readonly maxKeys: number;
  /** Distinct codes counted per window; the rest are counted under OTHER_CODES. */
  readonly maxCodes?: number;
}

/** A refusal: the receipt fields of a `refused` receipt, and its error code. */
export interface Refusal {
  readonly code: string;
  readonly subject: ReceiptObject;
  readonly actor: ReceiptObject;
  readonly intent: ReceiptObject;
  readonly result: ReceiptObject;
}

/** Whether a refusal was written as its own receipt or only counted toward its window's aggregate. */
export type RefusalOutcome = "written" | "counted";

interface RefusalWindow {
  readonly key: string;
  readonly start: number;
  /** Refusals written normally so far, and how many may be. */
  written: number;
  readonly free: number;
  /** Refusals counted instead of written: how many, first and last time, per code. */
  count: number;
  firstAt: number;
  lastAt: number;
  readonly codes: Map<string, number>;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Per-key refusal rate limit for the ledger. In each window of `windowMs` opened by a key's first refusal, the first
 * `limit` refusals are written as `refused` receipts; later ones are only counted, and when the window has ended
 * (seen at the key's next refusal, or by `flush(now)`) ONE `refused-aggregate` receipt records them:
 * `result: { count, firstAt, lastAt, codes: { CODE: count } }`. Memory is bounded by `maxKeys` windows plus one
 * overflow window, and ledger growth by about `maxKeys × (limit + 1) + 1` receipts per window length.
 */
export class RefusalLimiter {
  /** Insertion order is start order (a key's new window is re-inserted), so ended windows sit at the front. */
  private readonly windows = new Map<string, RefusalWindow>();
  private overflow: RefusalWindow | undefined;

  constructor(private readonly options: RefusalLimiterOptions) {
    const ints = [options.limit, options.windowMs, options.maxKeys, options.maxCodes ?? 1].every(Number.isSafeInteger);
    if (!ints || options.limit < 0 || options.windowMs < 1 || options.maxKeys < 1 || (options.maxCodes ?? 1) < 1) {
      throw receiptError(
        "LEDGER_CONFIG_INVALID",
        "expected integer limit ≥ 0, windowMs ≥ 1, maxKeys ≥ 1, maxCodes ≥ 1",
      );
    }
  }

  /** Records a refusal for `key`: written as a receipt while under the limit, else counted. */
  async refuse(key: string, refusal: Refusal): Promise<RefusalOutcome> {
    if (typeof key !== "string" || key.length === 0 || key.length > MAX_KEY_LENGTH || key === OVERFLOW_KEY) {
      throw receiptError("RECEIPT_VALUE_INVALID", `expected a limiter key of 1 to ${MAX_KEY_LENGTH} characters`);
    }
    verifyReceiptValue(key, "key");
    if (typeof refusal.code !== "string" || !CODE.test(refusal.code)) {
      throw receiptError("RECEIPT_VALUE_INVALID", "expected an UPPER_SNAKE_CASE refusal code");
    }
    const now = this.options.clock().getTime();
    if (Number.isNaN(now)) throw receiptError("LEDGER_CONFIG_INVALID", "expected the clock to give a valid date");
    const closing: Promise<unknown>[] = [];
    const window = this.windowFor(key, now, closing);
    let written: Promise<unknown> | undefined;
    if (window.written < window.free) {
      window.written += 1;
      const { subject, actor, intent, result } = refusal;
      written = this.options.append({ kind: "refused", subject, actor, intent, result });
    } else {
      this.count(window, refusal.code, now);
    }
    await Promise.all(written === undefined ? closing : [...closing, written]);
    return written === undefined ? "counted" : "written";
  }

  /** Writes the aggregate of every window that has ended by `now`; resolves to how many aggregates were written. */
  async flush(now: Date): Promise<number> {
    const at = now.getTime();
    const closing: Promise<unknown>[] = [];
    for (const window of [...this.windows.values()]) if (this.ended(window, at)) this.close(window, closing);
    if (this.overflow !== undefined && this.ended(this.overflow, at)) this.close(this.overflow, closing);
    await Promise.all(closing);
    return closing.length;
  }

  /** How many keys have an open window (the overflow window not included). */
  get trackedKeys(): number {
    return this.windows.size;
  }

  private windowFor(key: string, now: number, closing: Promise<unknown>[]): RefusalWindow {
    const current = this.windows.get(key);
    if (current !== undefined && !this.ended(current, now)) return current;
    if (current !== undefined) this.close(current, closing);
    if (this.windows.size >= this.options.maxKeys) this.sweep(now, closing);
    if (this.windows.size < this.options.maxKeys) {
      const window = newWindow(key, now, this.options.limit);
      this.windows.set(key, window);
      return window;
    }
    if (this.overflow !== undefined && this.ended(this.overflow, now)) this.close(this.overflow, closing);
    this.overflow ??= newWindow(OVERFLOW_KEY, now, 0);
    return this.overflow;
  }

  /** Closes ended windows from the front (oldest first), stopping at the first live one. */
  private sweep(now: number, closing: Promise<unknown>[]): void {
    for (const window of this.windows.values()) {
      if (!this.ended(window, now)) return;
      this.close(window, closing);
    }
  }

  private ended(window: RefusalWindow, now: number): boolean {
    return now >= window.start + this.options.windowMs;
  }

  private count(window: RefusalWindow, code: string, now: number): void {
    if (window.count === 0) window.firstAt = now;
    window.count += 1;
    window.lastAt = now;
    const known = window.codes.has(code) || window.codes.size < (this.options.maxCodes ?? 32);
    const bucket = known ? code : OTHER_CODES;
    window.codes.set(bucket, (window.codes.get(bucket) ?? 0) + 1);
  }

  /** Forgets the window and, if it counted refusals, appends its aggregate (synchronously taking the next seq). */
  private close(window: RefusalWindow, closing: Promise<unknown>[]): void {
    if (window === this.overflow) this.overflow = undefined;
    else this.windows.delete(window.key);
    if (window.count > 0) closing.push(this.options.append(aggregateEntry(window, this.options.windowMs)));
  }
}

function newWindow(key: string, start: number, free: number): RefusalWindow {
  return { key, start, free, written: 0, count: 0, firstAt: 0, lastAt: 0, codes: new Map() };
}

/** The `refused-aggregate` entry of a closed window. */
function aggregateEntry(window: RefusalWindow, windowMs: number): ReceiptEntry {
  const codes: Record<string, string> = {};
  for (const [code, n] of window.codes) codes[code] = String(n);
  return {
    kind: "refused-aggregate",
    subject: { key: window.key },
    actor: {},
    intent: { windowStart: iso(window.start), windowEnd: iso(window.start + windowMs) },
    result: { count: String(window.count), firstAt: iso(window.firstAt), lastAt: iso(window.lastAt), codes },
  };
}
