import { decodeBase64Strict, encodeBase64 } from "./base64";
import { CHECKPOINT_MALFORMED, FAILURE_WITNESS_LINEAGE_MISMATCH, tlogError } from "./codes";
import { HASH_BYTES } from "./hash";
import { type VerifiedNote, signNote, verifyNote } from "./note";
import type { NoteSigner, NoteVerifier } from "./noteKeys";

/** A C2SP tlog-checkpoint: the log's origin, its size and root, and optional extension lines (never interpreted). */
export interface Checkpoint {
  readonly origin: string;
  readonly treeSize: number;
  readonly rootHash: Uint8Array;
  readonly extensions: readonly string[];
}

function malformed(message: string): never {
  throw tlogError(CHECKPOINT_MALFORMED, message);
}

/**
 * Parses a checkpoint body (a note's text): `<origin>\n<decimal size>\n<base64 32-byte root>\n` then zero or more
 * non-empty extension lines. Sizes above 2^53 − 1 are refused (this implementation counts in JS numbers).
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith("\n")) malformed("expected the checkpoint to end with a newline");
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3) malformed(`expected at least 3 lines (origin, size, root), got ${lines.length}`);
  const [origin, size, root, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin.length === 0) malformed("expected a non-empty origin line");
  if (!/^(0|[1-9][0-9]*)$/.test(size)) malformed("expected the tree size in decimal without leading zeros");
  const treeSize = Number(size);
  if (!Number.isSafeInteger(treeSize)) malformed(`expected a tree size below 2^53, got ${size}`);
  const rootHash = decodeBase64Strict(root);
  if (rootHash?.length !== HASH_BYTES) malformed(`expected the root as base64 of ${HASH_BYTES} bytes`);
  if (extensions.some((l) => l.length === 0)) malformed("expected no empty extension line");
  return { origin, treeSize, rootHash, extensions };
}

/** The checkpoint body (note text) of `cp`, parsed back as a check. */
export function formatCheckpoint(cp: Checkpoint): string {
  const text = [cp.origin, String(cp.treeSize), encodeBase64(cp.rootHash), ...cp.extensions].join("\n") + "\n";
  parseCheckpoint(text);
  return text;
}

/** A checkpoint signed by `signer` as a C2SP signed note. */
export function signCheckpoint(cp: Checkpoint, signer: NoteSigner): string {
  return signNote(formatCheckpoint(cp), [signer]);
}

/** A checkpoint whose note the log's key signed, with the verified note (its other signature lines included). */
export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly note: VerifiedNote;
}

/**
 * Verifies a signed checkpoint against the log's verifier and its expected origin, in order: the note's signature
 * (FAILURE_SIGNATURE_INVALID), the body's syntax (CHECKPOINT_MALFORMED), the origin
 * (FAILURE_WITNESS_LINEAGE_MISMATCH: a checkpoint of another log).
 */
export function openCheckpoint(note: string | Uint8Array, log: NoteVerifier, origin: string): OpenedCheckpoint {
  const verified = verifyNote(note, [log]);
  const checkpoint = parseCheckpoint(verified.text);
  if (checkpoint.origin !== origin) {
    throw tlogError(
      FAILURE_WITNESS_LINEAGE_MISMATCH,
      `expected a checkpoint of ${JSON.stringify(origin)}, got ${JSON.stringify(checkpoint.origin)}`,
    );
  }
  return { checkpoint, note: verified };
}
