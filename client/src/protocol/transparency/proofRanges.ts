import { TLOG_ARGUMENT_INVALID, tlogError } from "./codes";
import { splitPoint } from "./hash";

/** A run of leaves [start, end) whose MTH is one proof element. */
export interface LeafRange {
  readonly start: number;
  readonly end: number;
}

function checkSize(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw tlogError(TLOG_ARGUMENT_INVALID, `expected ${name} to be a non-negative safe integer, got ${value}`);
  }
}

/**
 * The ranges whose subtree hashes form RFC 9162 §2.1.3.1 PATH(index, D[0:treeSize]), in proof order (lowest first).
 * Splitting "which hashes" from "how to get them" lets an in-memory list and an on-disk tree share one algorithm.
 */
export function inclusionRanges(index: number, treeSize: number): LeafRange[] {
  checkSize("index", index);
  checkSize("treeSize", treeSize);
  if (index >= treeSize) throw tlogError(TLOG_ARGUMENT_INVALID, `expected index below ${treeSize}, got ${index}`);
  const ranges: LeafRange[] = [];
  let [start, end, m] = [0, treeSize, index];
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (m < k) {
      ranges.push({ start: start + k, end });
      end = start + k;
    } else {
      ranges.push({ start, end: start + k });
      start += k;
      m -= k;
    }
  }
  return ranges.reverse();
}

/**
 * The ranges whose subtree hashes form RFC 9162 §2.1.4.1 PROOF(size1, D[0:size2]), in proof order. Requires
 * 0 < size1 ≤ size2 (the proof between equal sizes is empty).
 */
export function consistencyRanges(size1: number, size2: number): LeafRange[] {
  checkSize("size1", size1);
  checkSize("size2", size2);
  if (size1 === 0 || size1 > size2) {
    throw tlogError(TLOG_ARGUMENT_INVALID, `expected 0 < size1 ≤ size2, got ${size1} and ${size2}`);
  }
  const ranges: LeafRange[] = [];
  let [start, end, m, whole] = [0, size2, size1, true];
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      ranges.push({ start: start + k, end });
      end = start + k;
    } else {
      ranges.push({ start, end: start + k });
      start += k;
      m -= k;
      whole = false;
    }
  }
  if (!whole) ranges.push({ start, end });
  return ranges.reverse();
}
