import { GatewayError } from "../errors";

/** Stable codes of the anchoring loop's failures. None of them ever reaches a runner: anchoring is off the release path. */
export const ANCHOR_CODES = {
  /** The anchor RPC did not answer (node down, timeout, malformed answer): retried with backoff. */
  CHAIN_UNAVAILABLE: "ANCHOR_CHAIN_UNAVAILABLE",
  /** The contract refused the anchor (a custom error): retried after re-reading the head. */
  REFUSED: "ANCHOR_REFUSED",
  /** The anchor transaction was mined but reverted. */
  REVERTED: "ANCHOR_REVERTED",
  /** The chain's head for this issuer is behind the local records, or disagrees with them: needs an operator. */
  DIVERGED: "ANCHOR_DIVERGED",
  /** The anchor records file is not a contiguous list of valid records. */
  RECORDS_CORRUPT: "ANCHOR_RECORDS_CORRUPT",
  /** The anchor records file could not be read or written. */
  RECORDS_IO_FAILED: "ANCHOR_RECORDS_IO_FAILED",
} as const;

export type AnchorErrorCode = (typeof ANCHOR_CODES)[keyof typeof ANCHOR_CODES];

/** An anchoring failure (503-class: a dependency, never the caller). */
export function anchorError(code: AnchorErrorCode, message: string, cause?: unknown): GatewayError {
  return new GatewayError(code, 503, message, cause === undefined ? undefined : { cause });
}
