import { ProtocolError } from "../protocol/errors";
import { CheckUnchecked, VerifyFailure } from "./failure";
import type { CheckReport, VerifyResult } from "./report";

/** Code of a check that threw something other than a verification outcome: never valid, never blamed on evidence. */
export const INTERNAL_ERROR = "INDETERMINATE_INTERNAL_ERROR";

/**
 * Runs checks in order and keeps the report. After a failure every later check is `skipped`; an unchecked check
 * returns undefined, and checks that need its value are skipped too. The result is `invalid` if any check failed,
 * else `indeterminate` if a blocking check is unchecked, else `valid`: valid only when it was earned.
 */
export class Checklist {
  readonly checks: CheckReport[] = [];
  readonly missing: string[] = [];
  private failedCode: string | undefined;
  private blockingCode: string | undefined;

  /** Runs `check` unless an earlier check failed or `ready` is false (a needed value is missing): then skipped. */
  run<T>(name: string, check: () => T, ready = true): T | undefined {
    if (this.failedCode !== undefined || !ready) {
      this.checks.push({ name, status: "skipped" });
      return undefined;
    }
    try {
      const value = check();
      this.checks.push({ name, status: "passed" });
      return value;
    } catch (err) {
      this.record(name, err);
      return undefined;
    }
  }

  /** Records a check that ran but is only `unchecked` (e.g. against recorded chain facts). */
  unchecked(name: string, reason: CheckUnchecked): void {
    this.record(name, reason);
  }

  private record(name: string, err: unknown): void {
    if (err instanceof VerifyFailure) {
      this.failedCode = err.code;
      this.checks.push({ name, status: "failed", code: err.code, detail: err.message.slice(0, 2048) });
    } else if (err instanceof CheckUnchecked) {
      if (err.blocking) this.blockingCode ??= err.code;
      for (const m of err.missing) if (!this.missing.includes(m)) this.missing.push(m);
      this.checks.push({ name, status: "unchecked", code: err.code, detail: err.message.slice(0, 2048) });
    } else {
      const code = err instanceof ProtocolError ? err.code : "";
      this.blockingCode ??= INTERNAL_ERROR;
      this.checks.push({
        name,
        status: "unchecked",
        code: INTERNAL_ERROR,
        detail: `unexpected error ${code}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 2048),
      });
    }
  }

  /** The result and its code (the failing check's, or the first blocking unchecked one's). */
  outcome(): { result: VerifyResult; code?: string } {
    if (this.failedCode !== undefined) return { result: "invalid", code: this.failedCode };
    if (this.blockingCode !== undefined) return { result: "indeterminate", code: this.blockingCode };
    if (this.checks.length === 0 || this.checks.some((c) => c.status === "skipped")) {
      return { result: "indeterminate", code: INTERNAL_ERROR };
    }
    return { result: "valid" };
  }
}
