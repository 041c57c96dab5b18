import type { ReceiptObject } from "../receipts";
import { GatewayError } from "../errors";
import type { GatewayContext } from "./context";

/** What a refusal or error receipt records about the request. */
export interface DecisionRecord {
  /** Rate-limit key: the runner's OIDC subject when verified, else the peer address. */
  key: string;
  subject: ReceiptObject;
  actor: ReceiptObject;
  intent: ReceiptObject;
}

/**
 * Records a failed decision, then rethrows it. Refusals (4xx) go through the per-key limiter so a flood
 * becomes one aggregate receipt per window; outages (503) and internal faults become `error` receipts.
 * A failure to write the receipt never hides the original error.
 */
export async function recordFailure(ctx: GatewayContext, record: DecisionRecord, err: unknown): Promise<never> {
  const code = err instanceof GatewayError ? err.code : "INTERNAL";
  const status = err instanceof GatewayError ? err.status : 500;
  const result = { status: status >= 500 ? "error" : "refused", code, httpStatus: String(status) };
  try {
    if (status >= 500) {
      await ctx.ledger.append({
        kind: "error",
        subject: record.subject,
        actor: record.actor,
        intent: record.intent,
        result,
      });
    } else {
      await ctx.refusals.refuse(record.key, {
        code,
        subject: record.subject,
        actor: record.actor,
        intent: record.intent,
        result,
      });
    }
  } catch {
    // The ledger is failing too; the caller still gets the original refusal, and nothing was released.
  }
  throw err;
}
