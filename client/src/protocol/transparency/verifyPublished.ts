import { type Checkpoint, openCheckpoint } from "./checkpoint";
import { leafHash } from "./hash";
import type { NoteVerifier } from "./noteKeys";
import { verifyInclusion } from "./verifyInclusion";

/** A ledger line claimed to be published: the line, its seq (leaf index), its proof and the checkpoint note. */
export interface PublishedLine {
  /** The ledger line's exact bytes, without the newline (the Merkle leaf). */
  readonly line: Uint8Array;
  readonly seq: number;
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint the proof is against. */
  readonly checkpointNote: string;
}

/**
 * Verifies that a ledger line is covered by a signed checkpoint of the pinned log, in order: the checkpoint's
 * signature and origin (openCheckpoint), then the inclusion proof of SHA-256(0x00 || line) at `seq` under the
 * checkpoint's size and root (FAILURE_INCLUSION_INVALID). Returns the checkpoint.
 */
export function verifyPublishedLine(published: PublishedLine, log: NoteVerifier, origin: string): Checkpoint {
  const { checkpoint } = openCheckpoint(published.checkpointNote, log, origin);
  verifyInclusion({
    leafHash: leafHash(published.line),
    index: published.seq,
    treeSize: checkpoint.treeSize,
    proof: published.proof,
    root: checkpoint.rootHash,
  });
  return checkpoint;
}
