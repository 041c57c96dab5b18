import { ProtocolError } from "../protocol/errors";
import type { VerifyFailureCode } from "./codes";

/** A proof-bearing check failed: the result is `invalid`. Thrown through `failVerify`, which types the code. */
export class VerifyFailure extends ProtocolError {}

/**
 * A check could not be completed with the material at hand. `missing` names what is missing; `blocking` says
 * whether the result becomes `indeterminate` (true) or the check is only reported as unchecked (false).
 */
export class CheckUnchecked extends ProtocolError {
  constructor(
    code: string,
    message: string,
    readonly missing: readonly string[],
    readonly blocking: boolean,
  ) {
    super(code, message);
  }
}

/** Throws a VerifyFailure. */
export function failVerify(code: VerifyFailureCode, message: string, cause?: unknown): never {
  throw new VerifyFailure(code, message, cause === undefined ? undefined : { cause });
}
