import { ProtocolError } from "../protocol/errors";

/** Two checkpoints of the same size with different roots were both signed by the log: evidence of a fork. */
export const WITNESS_FORK_DETECTED = "WITNESS_FORK_DETECTED";
/** The log offered a checkpoint smaller than the one the witness already cosigned: a rollback. */
export const WITNESS_ROLLBACK = "WITNESS_ROLLBACK";
/** The witness state folder or a record in it is unreadable or malformed: nothing is cosigned until fixed. */
export const WITNESS_STATE_INVALID = "WITNESS_STATE_INVALID";
/** The witness key file is missing, unreadable, of the wrong type or malformed. */
export const WITNESS_KEY_INVALID = "WITNESS_KEY_INVALID";
/** The gateway did not answer, or answered something that is not a checkpoint or a proof. */
export const WITNESS_FETCH_FAILED = "WITNESS_FETCH_FAILED";
/** The clock reads before the witness's last cosignature (a witness never dates one earlier than the last). */
export const WITNESS_CLOCK_INVALID = "WITNESS_CLOCK_INVALID";

/** A ProtocolError with a witness code. */
export function witnessError(code: string, message: string, cause?: unknown): ProtocolError {
  return new ProtocolError(code, message, cause === undefined ? undefined : { cause });
}
