import { ProtocolError } from "../protocol/errors";
import { BundleCheckError, isIndeterminateCode } from "./codes";

/** The report format's version. */
export const BUNDLE_REPORT_VERSION = "swarm/bundle-report/v1";

/** valid: every declared check passed with pinned trust; invalid: a proof-bearing check failed; indeterminate. */
export type BundleStatus = "valid" | "invalid" | "indeterminate";

/** The proof strength levels, weakest first (seed 001). */
export const STRENGTHS = ["none", "signed", "timestamped", "published", "witnessed"] as const;
/** How much the bundle proves: signed < timestamped < published < witnessed ("none" when not even signed). */
export type Strength = (typeof STRENGTHS)[number];

/**
 * passed; failed (a proof check failed: code set); indeterminate (a declared layer's trust material is missing:
 * code set); unchecked (an undeclared layer is absent, or its material is not at hand: lowers strength only).
 */
export type BundleCheckStatus = "passed" | "failed" | "indeterminate" | "unchecked";

/** One line of the report. */
export interface BundleCheck {
  readonly name: string;
  readonly status: BundleCheckStatus;
  readonly code?: string;
  readonly detail: string;
}

/** The outcome of `verifyBundle`. */
export interface BundleReport {
  readonly version: typeof BUNDLE_REPORT_VERSION;
  readonly status: BundleStatus;
  readonly strength: Strength;
  /** The code of the first failed (or, when none failed, indeterminate) check. */
  readonly code?: string;
  /** The receipts are a subset of the log: the bundle proves them, not that they are the whole story. */
  readonly partial: boolean;
  /** Whose claim was checked: the signer's keyid, and whether that key was pinned by the verifier. */
  readonly issuer: { readonly keyid?: string; readonly pinned: boolean };
  readonly subject?: Readonly<Record<string, string>>;
  readonly receipts?: { readonly firstSeq: string; readonly lastSeq: string; readonly count: number };
  readonly checks: readonly BundleCheck[];
}

/** What a check step returns when it did not throw. */
export interface CheckOutcome {
  readonly status: "passed" | "unchecked";
  readonly detail: string;
}

/** Runs one check step and turns what it returns or throws into a report line. Never throws. */
export async function runCheck(name: string, step: () => CheckOutcome | Promise<CheckOutcome>): Promise<BundleCheck> {
  try {
    const { status, detail } = await step();
    return { name, status, detail };
  } catch (err) {
    if (err instanceof BundleCheckError) {
      const status = isIndeterminateCode(err.code) ? "indeterminate" : "failed";
      return { name, status, code: err.code, detail: err.message };
    }
    if (err instanceof ProtocolError)
      return { name, status: "failed", code: "FAILURE_BUNDLE_MALFORMED", detail: `${err.code}: ${err.message}` };
    // Not a typed failure: the verifier could not conclude, and says so rather than guessing.
    return {
      name,
      status: "failed",
      code: "FAILURE_BUNDLE_MALFORMED",
      detail: `unexpected: ${String((err as Error)?.message ?? err).slice(0, 200)}`,
    };
  }
}

/** The bundle's status from its checks: any failed → invalid; else any indeterminate → indeterminate; else valid. */
export function statusOf(checks: readonly BundleCheck[]): { status: BundleStatus; code?: string } {
  const failed = checks.find((c) => c.status === "failed");
  if (failed !== undefined) return { status: "invalid", code: failed.code! };
  const open = checks.find((c) => c.status === "indeterminate");
  if (open !== undefined) return { status: "indeterminate", code: open.code! };
  return { status: "valid" };
}
