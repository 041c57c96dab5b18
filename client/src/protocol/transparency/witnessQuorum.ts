import {
  FAILURE_WITNESS_LINEAGE_MISMATCH,
  FAILURE_WITNESS_QUORUM_UNSATISFIED,
  TLOG_ARGUMENT_INVALID,
  tlogError,
} from "./codes";
import { parseCheckpoint } from "./checkpoint";
import { type CosignatureVerifier, type VerifiedCosignature, verifyCosignature } from "./cosignature";
import type { NoteSignature } from "./note";

/** A k-of-n witness policy for one log. */
export interface WitnessPolicy {
  /** The origin of the log the policy covers: a checkpoint of any other origin is another lineage. */
  readonly origin: string;
  /** The n trusted witnesses (distinct keys; a key listed twice counts once). */
  readonly witnesses: readonly CosignatureVerifier[];
  /** k: how many distinct witnesses must have cosigned (1 ≤ k ≤ n). */
  readonly threshold: number;
  /** Unix seconds: a cosignature dated later is refused (pass the verifier's clock plus any allowed skew). */
  readonly notAfter?: number;
}

/** The witnesses that vouched for a checkpoint, one entry per distinct key. */
export interface QuorumResult {
  readonly origin: string;
  readonly threshold: number;
  readonly cosignatures: readonly VerifiedCosignature[];
}

function checkPolicy(policy: WitnessPolicy): void {
  const n = policy.witnesses.length;
  if (!Number.isSafeInteger(policy.threshold) || policy.threshold < 1 || policy.threshold > n) {
    throw tlogError(TLOG_ARGUMENT_INVALID, `expected a threshold between 1 and ${n}, got ${policy.threshold}`);
  }
}

/**
 * Checks a k-of-n witness policy over a checkpoint body and its cosignature lines, in order: the checkpoint is of
 * the policy's log (FAILURE_WITNESS_LINEAGE_MISMATCH); every line from a policy witness verifies
 * (FAILURE_WITNESS_INVALID; lines of unknown keys are ignored, never counted); at least k distinct witness keys
 * cosigned (FAILURE_WITNESS_QUORUM_UNSATISFIED).
 */
export function verifyWitnessQuorum(
  checkpointText: string,
  cosignatures: readonly NoteSignature[],
  policy: WitnessPolicy,
): QuorumResult {
  checkPolicy(policy);
  const checkpoint = parseCheckpoint(checkpointText);
  if (checkpoint.origin !== policy.origin) {
    throw tlogError(
      FAILURE_WITNESS_LINEAGE_MISMATCH,
      `expected a checkpoint of ${JSON.stringify(policy.origin)}, got one of ${JSON.stringify(checkpoint.origin)}`,
    );
  }
  const counted = new Map<string, VerifiedCosignature>();
  for (const line of cosignatures) {
    const witness = policy.witnesses.find((w) => w.name === line.name && w.keyId >>> 0 === line.keyId >>> 0);
    if (witness === undefined) continue;
    const verified = verifyCosignature(checkpointText, line, witness, policy.notAfter);
    const key = Buffer.from(witness.publicKey.export({ format: "der", type: "spki" })).toString("hex");
    if (!counted.has(key)) counted.set(key, verified);
  }
  if (counted.size < policy.threshold) {
    throw tlogError(
      FAILURE_WITNESS_QUORUM_UNSATISFIED,
      `expected cosignatures from ${policy.threshold} of ${policy.witnesses.length} witnesses, got ${counted.size}`,
    );
  }
  return { origin: checkpoint.origin, threshold: policy.threshold, cosignatures: [...counted.values()] };
}
