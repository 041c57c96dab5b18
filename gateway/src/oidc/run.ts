import type { GitHubClaims } from "./claims";
import { oidcError, shown } from "./codes";

/** The run binding a step permit carries (`runId` uint64, `runAttempt` uint32). */
export interface PermitRunBinding {
  runId: bigint;
  runAttempt: number;
}

/**
 * The token comes from the run the permit is bound to. `runId` 0 is an unbound permit, valid only when the
 * capsule allows unbound runs (`RUN_UNBOUND_NOT_ALLOWED`) and then only with `runAttempt` 0; otherwise
 * run_id must equal `runId` (`RUN_ID_MISMATCH`) and, unless `runAttempt` is 0 (any attempt), run_attempt
 * must equal it (`RUN_ATTEMPT_MISMATCH`).
 */
export function verifyRunBinding(
  claims: Pick<GitHubClaims, "run_id" | "run_attempt">,
  permit: PermitRunBinding,
  allowUnboundRuns: boolean,
): void {
  if (permit.runId === 0n) {
    if (!allowUnboundRuns) throw oidcError("RUN_UNBOUND_NOT_ALLOWED", "the policy does not allow unbound permits");
    if (permit.runAttempt !== 0) {
      throw oidcError("RUN_ATTEMPT_MISMATCH", `expected runAttempt 0 in an unbound permit, got ${permit.runAttempt}`);
    }
    return;
  }
  if (claims.run_id !== permit.runId.toString()) {
    throw oidcError("RUN_ID_MISMATCH", `expected run_id ${permit.runId}, got ${shown(claims.run_id)}`);
  }
  if (permit.runAttempt !== 0 && claims.run_attempt !== String(permit.runAttempt)) {
    throw oidcError(
      "RUN_ATTEMPT_MISMATCH",
      `expected run_attempt ${permit.runAttempt}, got ${shown(claims.run_attempt)}`,
    );
  }
}
