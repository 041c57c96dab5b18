import { z } from "zod";

/*
 * The verification report: one result for the whole subject and one line per check, in the order the checks ran.
 * A check that did not run because an earlier one failed is `skipped`; a check whose trust material is absent
 * (no RPC for chain facts, …) is `unchecked`. The result is `valid` only when every check passed or was
 * `unchecked` without the policy requiring it; never by default.
 */

/** The report format's version string. */
export const REPORT_VERSION = "swarm/verify-report/v1";

/** The three outcomes of a verification. */
export const VERIFY_RESULTS = ["valid", "invalid", "indeterminate"] as const;
/** valid (every applicable check passed) | invalid (a proof-bearing check failed) | indeterminate. */
export type VerifyResult = (typeof VERIFY_RESULTS)[number];

/** What happened to one check. */
export const CHECK_STATUSES = ["passed", "failed", "skipped", "unchecked"] as const;
/** passed | failed | skipped (an earlier check failed) | unchecked (its trust material is absent). */
export type CheckStatus = (typeof CHECK_STATUSES)[number];

const checkSchema = z.strictObject({
  name: z.string().min(1).max(64),
  status: z.enum(CHECK_STATUSES),
  code: z.string().max(64).optional(),
  detail: z.string().max(2048).optional(),
});

/** One line of a report. `code` is set for failed and unchecked checks. */
export type CheckReport = z.infer<typeof checkSchema>;

const DECIMAL = /^(0|[1-9][0-9]*)$/;
const dec = z.string().regex(DECIMAL).max(78);
const hex32 = z.string().regex(/^0x[0-9a-f]{64}$/);

/** The report of one step. */
export const stepReportSchema = z.strictObject({
  version: z.literal(REPORT_VERSION),
  kind: z.literal("step"),
  chainId: dec,
  market: z.string().regex(/^0x[0-9a-f]{40}$/),
  entitlementId: dec,
  step: z.number().int().min(1).max(0xffffffff),
  certificateHash: hex32.optional(),
  result: z.enum(VERIFY_RESULTS),
  /** The first failing check's code (invalid) or the first unmet trust condition's code (indeterminate). */
  code: z.string().max(64).optional(),
  /** For an indeterminate result: the trust material that is missing, by name. */
  missing: z.array(z.string().max(256)).max(32),
  checks: z.array(checkSchema).max(64),
});

/** The report of one step, as printed by `--json` and returned by the verifier service. */
export type StepReport = z.infer<typeof stepReportSchema>;

/** The report of a run: every step in order, then the overall result (the worst of the steps'). */
export const runReportSchema = z.strictObject({
  version: z.literal(REPORT_VERSION),
  kind: z.literal("run"),
  chainId: dec,
  market: z.string().regex(/^0x[0-9a-f]{40}$/),
  entitlementId: dec,
  result: z.enum(VERIFY_RESULTS),
  code: z.string().max(64).optional(),
  missing: z.array(z.string().max(256)).max(32),
  steps: z.array(stepReportSchema),
});

/** The report of a run. */
export type RunReport = z.infer<typeof runReportSchema>;

/** The worst of several results: invalid beats indeterminate beats valid; an empty list is indeterminate. */
export function worstResult(results: readonly VerifyResult[]): VerifyResult {
  if (results.length === 0) return "indeterminate";
  if (results.includes("invalid")) return "invalid";
  if (results.includes("indeterminate")) return "indeterminate";
  return "valid";
}
