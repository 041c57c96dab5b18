import { createHash } from "node:crypto";

const sha256 = (...parts: Uint8Array[]) => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/** RFC 6962 leaf hash: SHA-256(0x00 || data). */
export function leafHash(data: Uint8Array): Buffer {
  return sha256(Buffer.from([0x00]), data);
}

/** RFC 6962 interior node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return sha256(Buffer.from([0x01]), left, right);
}

/** The largest power of two strictly smaller than n (n ≥ 2): RFC 6962's split point. */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** RFC 6962 MTH over leaf hashes; the empty tree's root is SHA-256 of nothing. */
export function rootHash(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0]!;
  const k = split(leaves.length);
  return nodeHash(rootHash(leaves.slice(0, k)), rootHash(leaves.slice(k)));
}

/** RFC 6962 PATH(m, D[n]): the audit path of leaf `index` in the tree of `leaves`, lowest level first. */
export function inclusionProof(index: number, leaves: readonly Buffer[]): Buffer[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) {
    throw new RangeError(`expected a leaf index below ${leaves.length}, got ${index}`);
  }
  if (leaves.length === 1) return [];
  const k = split(leaves.length);
  return index < k
    ? [...inclusionProof(index, leaves.slice(0, k)), rootHash(leaves.slice(k))]
    : [...inclusionProof(index - k, leaves.slice(k)), rootHash(leaves.slice(0, k))];
}
