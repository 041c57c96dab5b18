import { ProtocolError } from "../errors";

/** An inclusion proof does not lead from the leaf to the root (or its shape is wrong for the index and size). */
export const FAILURE_INCLUSION_INVALID = "FAILURE_INCLUSION_INVALID";
/** A consistency proof does not show that the second tree extends the first (a fork, a rewrite or a bad proof). */
export const FAILURE_CONSISTENCY_INVALID = "FAILURE_CONSISTENCY_INVALID";
/** A signed note does not parse (C2SP signed-note framing, signature line syntax, size limits). */
export const NOTE_MALFORMED = "NOTE_MALFORMED";
/** A note carries no valid signature from a trusted key, or a trusted key's signature fails. */
export const FAILURE_SIGNATURE_INVALID = "FAILURE_SIGNATURE_INVALID";
/** A verifier key string (`<name>+<hex id>+<base64(type||key)>`) does not parse or its id does not match. */
export const NOTE_KEY_INVALID = "NOTE_KEY_INVALID";
/** A note's text is not a C2SP checkpoint (origin, decimal size, base64 32-byte root, extension lines). */
export const CHECKPOINT_MALFORMED = "CHECKPOINT_MALFORMED";
/** A witness cosignature is malformed, from another key, or does not verify over this checkpoint. */
export const FAILURE_WITNESS_INVALID = "FAILURE_WITNESS_INVALID";
/** A cosigned checkpoint belongs to another log (origin) than the one the policy is about. */
export const FAILURE_WITNESS_LINEAGE_MISMATCH = "FAILURE_WITNESS_LINEAGE_MISMATCH";
/** Fewer distinct trusted witnesses cosigned the checkpoint than the policy requires. */
export const FAILURE_WITNESS_QUORUM_UNSATISFIED = "FAILURE_WITNESS_QUORUM_UNSATISFIED";
/** A caller passed arguments that cannot describe a tree (negative size, index beyond size, wrong hash length). */
export const TLOG_ARGUMENT_INVALID = "TLOG_ARGUMENT_INVALID";

/** A ProtocolError with one of the transparency codes. */
export function tlogError(code: string, message: string, cause?: unknown): ProtocolError {
  return new ProtocolError(code, message, cause === undefined ? undefined : { cause });
}
