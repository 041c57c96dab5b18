import { FAILURE_CONSISTENCY_INVALID, tlogError } from "./codes";
import { HASH_BYTES, nodeHash, sameBytes } from "./hash";

/** A consistency claim: the tree of `size2` leaves with `root2` extends the tree of `size1` leaves with `root1`. */
export interface ConsistencyClaim {
  readonly size1: number;
  readonly size2: number;
  readonly root1: Uint8Array;
  readonly root2: Uint8Array;
  readonly proof: readonly Uint8Array[];
}

function fail(message: string): never {
  throw tlogError(FAILURE_CONSISTENCY_INVALID, message);
}

function checkShape({ size1, size2, root1, root2, proof }: ConsistencyClaim): void {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size1 > size2) {
    fail(`expected 0 ≤ size1 ≤ size2, got ${size1} and ${size2}`);
  }
  for (const h of [root1, root2, ...proof]) {
    if (h.length !== HASH_BYTES) fail(`expected ${HASH_BYTES}-byte hashes, got ${h.length} bytes`);
  }
  // Nothing can be proved about the empty tree: refusing it keeps a caller from "verifying" a fresh witness state.
  if (size1 === 0) fail("expected size1 above 0: a consistency proof from the empty tree proves nothing");
}

/**
 * Checks an RFC 9162 §2.1.4.2 consistency proof; throws FAILURE_CONSISTENCY_INVALID unless `root2` provably extends
 * `root1`. Equal sizes need an empty proof and equal roots (same size, different root is a fork).
 */
export function verifyConsistency(claim: ConsistencyClaim): void {
  checkShape(claim);
  const { size1, size2, root1, root2, proof } = claim;
  if (size1 === size2) {
    if (proof.length !== 0) fail("expected an empty proof between trees of the same size");
    if (!sameBytes(root1, root2)) fail("expected equal roots for trees of the same size: this is a fork");
    return;
  }
  if (proof.length === 0) fail("expected a non-empty proof between trees of different sizes");
  let fn = BigInt(size1 - 1);
  let sn = BigInt(size2 - 1);
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0n) fail("expected a shorter proof: it has more hashes than the tree has levels");
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) fail("expected a longer proof: it ends below the second root");
  if (!sameBytes(fr, root1)) fail("expected the proof to rebuild the first root, got a different hash");
  if (!sameBytes(sr, root2)) fail("expected the proof to lead to the second root, got a different hash: a fork");
}

function isPowerOfTwo(n: number): boolean {
  const b = BigInt(n);
  return b > 0n && (b & (b - 1n)) === 0n;
}
