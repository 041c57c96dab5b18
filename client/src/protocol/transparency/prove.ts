import { TLOG_ARGUMENT_INVALID, tlogError } from "./codes";
import { rootOf } from "./hash";
import { type LeafRange, consistencyRanges, inclusionRanges } from "./proofRanges";

/** Anything that can give the MTH of leaves [start, end) of one tree (an in-memory list, an indexed tree). */
export interface SubtreeSource {
  subtreeHash(start: number, end: number): Uint8Array;
}

/** The leaf hashes themselves, or a source of subtree hashes. */
export type ProofSource = readonly Uint8Array[] | SubtreeSource;

function hashOf(source: ProofSource, range: LeafRange, treeSize: number): Uint8Array {
  if ("subtreeHash" in source) return source.subtreeHash(range.start, range.end);
  if (source.length < treeSize) {
    throw tlogError(TLOG_ARGUMENT_INVALID, `expected at least ${treeSize} leaf hashes, got ${source.length}`);
  }
  return rootOf(source.slice(range.start, range.end));
}

/** RFC 9162 inclusion proof (audit path) of leaf `index` in the tree of the first `treeSize` leaves of `source`. */
export function inclusionProof(source: ProofSource, index: number, treeSize: number): Uint8Array[] {
  return inclusionRanges(index, treeSize).map((r) => hashOf(source, r, treeSize));
}

/** RFC 9162 consistency proof from the tree of `size1` leaves to the tree of `size2` leaves (empty when equal). */
export function consistencyProof(source: ProofSource, size1: number, size2: number): Uint8Array[] {
  if (size1 === size2 && size1 > 0) return [];
  return consistencyRanges(size1, size2).map((r) => hashOf(source, r, size2));
}
