import { hash } from "node:crypto";

/** Length of every hash in the tree: SHA-256. */
export const HASH_BYTES = 32;

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/** RFC 6962 §2.1 leaf hash: SHA-256(0x00 || data). A ledger leaf's data is one line's bytes without its newline. */
export function leafHash(data: Uint8Array): Uint8Array {
  const input = new Uint8Array(data.length + 1);
  input[0] = LEAF_PREFIX;
  input.set(data, 1);
  return new Uint8Array(hash("sha256", input, "buffer"));
}

/** RFC 6962 §2.1 interior node hash: SHA-256(0x01 || left || right). One-shot `crypto.hash`: twice createHash's speed. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + left.length + right.length);
  input[0] = NODE_PREFIX;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return new Uint8Array(hash("sha256", input, "buffer"));
}

/** The root of the empty tree: SHA-256 of no bytes. */
export function emptyRoot(): Uint8Array {
  return new Uint8Array(hash("sha256", new Uint8Array(0), "buffer"));
}

/** The largest power of two strictly below n (n ≥ 2): where RFC 6962 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * RFC 6962 MTH over leaf hashes (already `leafHash`ed): the root of a tree of `leafHashes.length` leaves. Iterative
 * (a frontier of perfect subtrees), so it runs in O(n) time and O(log n) memory.
 */
export function rootOf(leafHashes: readonly Uint8Array[]): Uint8Array {
  if (leafHashes.length === 0) return emptyRoot();
  const frontier: Uint8Array[] = [];
  const sizes: number[] = [];
  for (const leaf of leafHashes) {
    let hash = leaf;
    let size = 1;
    while (sizes.length > 0 && sizes[sizes.length - 1] === size) {
      hash = nodeHash(frontier.pop()!, hash);
      sizes.pop();
      size *= 2;
    }
    frontier.push(hash);
    sizes.push(size);
  }
  return foldFrontier(frontier);
}

/** The root over a left-to-right list of perfect subtree hashes (a compact range starting at 0): fold from the right. */
export function foldFrontier(frontier: readonly Uint8Array[]): Uint8Array {
  if (frontier.length === 0) return emptyRoot();
  let root = frontier[frontier.length - 1]!;
  for (let i = frontier.length - 2; i >= 0; i--) root = nodeHash(frontier[i]!, root);
  return root;
}

/** Constant-length byte equality (hashes are public, so timing is not a concern; exactness is). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
