import type { KeyObject } from "node:crypto";

import type { Clock } from "../protocol/clock";
import {
  type Checkpoint,
  type NoteSignature,
  type NoteVerifier,
  cosign,
  formatSignatureLine,
  openCheckpoint,
  sameBytes,
  verifyConsistency,
} from "../protocol/transparency";
import { WITNESS_CLOCK_INVALID, WITNESS_FORK_DETECTED, WITNESS_ROLLBACK, witnessError } from "./codes";
import type { WitnessRecord, WitnessStateStore } from "./witnessState";

/** A witness: its cosigning key, the one log it follows (pinned key and origin), its state and its clock. */
export interface Witness {
  readonly name: string;
  readonly privateKey: KeyObject;
  /** The log's checkpoint verifier (its key name is the log's origin by convention). */
  readonly log: NoteVerifier;
  readonly origin: string;
  readonly state: WitnessStateStore;
  readonly clock: Clock;
}

/** What the log hands the witness: a signed checkpoint and the consistency proof from the witness's last size. */
export interface CosignRequest {
  readonly note: string;
  /** RFC 9162 consistency proof from `previous.treeSize` to the new size (empty when none is needed). */
  readonly proof: readonly Uint8Array[];
}

/** A cosigned checkpoint: the new checkpoint, what the witness had before, and the cosignature. */
export interface CosignResult {
  readonly checkpoint: Checkpoint;
  readonly previous: { treeSize: number; rootHash: Uint8Array } | undefined;
  readonly cosignature: NoteSignature;
  /** The cosignature line (`— <witness> base64(keyID || time || sig)\n`), to append to the note. */
  readonly line: string;
  /** The log's note with the cosignature line appended. */
  readonly cosignedNote: string;
  /** true when this was the first checkpoint of the log the witness saw (trusted on first use). */
  readonly firstSeen: boolean;
}

/** Step 1: the checkpoint is the pinned log's, signed by its key (FAILURE_SIGNATURE_INVALID, _LINEAGE_MISMATCH). */
export function verifyLogCheckpoint(witness: Witness, note: string): Checkpoint {
  return openCheckpoint(note, witness.log, witness.origin).checkpoint;
}

/**
 * Step 2: the new checkpoint extends the last one cosigned: never smaller (WITNESS_ROLLBACK), the same root at the
 * same size (WITNESS_FORK_DETECTED), else a valid consistency proof (FAILURE_CONSISTENCY_INVALID).
 */
export function verifyExtends(
  previous: WitnessRecord | undefined,
  next: Checkpoint,
  proof: readonly Uint8Array[],
): void {
  if (previous === undefined || previous.treeSize === 0) return;
  if (next.treeSize < previous.treeSize) {
    throw witnessError(WITNESS_ROLLBACK, `expected a size of at least ${previous.treeSize}, got ${next.treeSize}`);
  }
  if (next.treeSize === previous.treeSize && !sameBytes(next.rootHash, previous.rootHash)) {
    throw witnessError(WITNESS_FORK_DETECTED, `the log signed two different roots for size ${next.treeSize}`);
  }
  verifyConsistency({
    size1: previous.treeSize,
    size2: next.treeSize,
    root1: previous.rootHash,
    root2: next.rootHash,
    proof,
  });
}

/** Step 3: the cosignature time: now in Unix seconds, never before the last one (WITNESS_CLOCK_INVALID). */
export function cosignTime(witness: Witness, previous: WitnessRecord | undefined): number {
  const now = Math.floor(witness.clock().getTime() / 1000);
  if (!Number.isSafeInteger(now) || now < 0) throw witnessError(WITNESS_CLOCK_INVALID, "expected a valid clock");
  if (previous !== undefined && now < previous.cosignedAt) {
    throw witnessError(
      WITNESS_CLOCK_INVALID,
      `expected a time after the last cosignature (${previous.cosignedAt}), got ${now}`,
    );
  }
  return now;
}

/**
 * Cosigns a log's checkpoint the way a C2SP witness does, as a checklist: the log signed it (pinned key and
 * origin); it extends the last checkpoint this witness cosigned (or is the first seen); the state is saved
 * (atomically) before the cosignature is returned. Any refusal leaves the state as it was.
 */
export function cosignCheckpoint(witness: Witness, request: CosignRequest): Promise<CosignResult> {
  return witness.state.exclusive(() => cosignAlone(witness, request));
}

async function cosignAlone(witness: Witness, request: CosignRequest): Promise<CosignResult> {
  const checkpoint = verifyLogCheckpoint(witness, request.note);
  const previous = await witness.state.get(witness.origin);
  verifyExtends(previous, checkpoint, request.proof);
  const time = cosignTime(witness, previous);
  const body = request.note.slice(0, request.note.lastIndexOf("\n\n") + 1);
  const cosignature = cosign(body, { name: witness.name, privateKey: witness.privateKey }, time);
  await witness.state.put({
    origin: witness.origin,
    treeSize: checkpoint.treeSize,
    rootHash: checkpoint.rootHash,
    cosignedAt: time,
    note: request.note,
  });
  const line = formatSignatureLine(cosignature);
  return {
    checkpoint,
    previous: previous === undefined ? undefined : { treeSize: previous.treeSize, rootHash: previous.rootHash },
    cosignature,
    line,
    cosignedNote: request.note + line,
    firstSeen: previous === undefined,
  };
}
