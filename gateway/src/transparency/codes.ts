import { GatewayError } from "../errors";

/** The transparency layer's stable error codes and the HTTP status each maps to. */
export const TRANSPARENCY_ERROR_STATUS = {
  /** A proof was asked for a tree size the log has not reached (or a seq at or beyond the tree size). */
  TREE_SIZE_UNKNOWN: 404,
  /** The proof query is malformed: missing, repeated or unknown parameter, or from > to. */
  PROOF_QUERY_INVALID: 400,
  /** The in-memory tree does not match what it expects to find (a bug or a ledger changed underneath). */
  TREE_STATE_INVALID: 500,
  /** The tree is still being rebuilt from the ledger or fell behind it and is catching up. */
  TREE_NOT_READY: 503,
  /** The checkpoint key or origin is not usable. */
  CHECKPOINT_CONFIG_INVALID: 500,
} as const;

/** One of the transparency layer's error codes. */
export type TransparencyErrorCode = keyof typeof TRANSPARENCY_ERROR_STATUS;

/** A `GatewayError` with a transparency code and the status it maps to. */
export function transparencyError(code: TransparencyErrorCode, message: string, cause?: unknown): GatewayError {
  return new GatewayError(code, TRANSPARENCY_ERROR_STATUS[code], message, cause === undefined ? undefined : { cause });
}
