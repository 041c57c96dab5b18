import { FAILURE_INCLUSION_INVALID, tlogError } from "./codes";
import { HASH_BYTES, nodeHash, sameBytes } from "./hash";

/** An inclusion claim: leaf `leafHash` sits at `index` of the tree of `treeSize` leaves whose root is `root`. */
export interface InclusionClaim {
  readonly leafHash: Uint8Array;
  readonly index: number;
  readonly treeSize: number;
  readonly proof: readonly Uint8Array[];
  readonly root: Uint8Array;
}

function fail(message: string): never {
  throw tlogError(FAILURE_INCLUSION_INVALID, message);
}

/**
 * The root an inclusion proof leads to (RFC 9162 §2.1.3.2), or FAILURE_INCLUSION_INVALID when the proof's shape
 * does not fit the index and size. Indices are carried as bigint: JS bit operators are 32-bit.
 */
export function rootFromInclusionProof(claim: Omit<InclusionClaim, "root">): Uint8Array {
  const { leafHash, index, treeSize, proof } = claim;
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize) {
    fail(`expected 0 ≤ index < treeSize, got index ${index} and treeSize ${treeSize}`);
  }
  if (leafHash.length !== HASH_BYTES) fail(`expected a ${HASH_BYTES}-byte leaf hash, got ${leafHash.length} bytes`);
  let fn = BigInt(index);
  let sn = BigInt(treeSize - 1);
  let r = leafHash;
  for (const p of proof) {
    if (p.length !== HASH_BYTES) fail(`expected ${HASH_BYTES}-byte proof hashes, got ${p.length} bytes`);
    if (sn === 0n) fail("expected a shorter proof: it has more hashes than the tree has levels");
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) fail("expected a longer proof: it ends below the root");
  return r;
}

/** Checks an inclusion proof against a root; throws FAILURE_INCLUSION_INVALID unless it leads exactly there. */
export function verifyInclusion(claim: InclusionClaim): void {
  if (claim.root.length !== HASH_BYTES) fail(`expected a ${HASH_BYTES}-byte root, got ${claim.root.length} bytes`);
  const computed = rootFromInclusionProof(claim);
  if (!sameBytes(computed, claim.root)) fail("expected the proof to lead to the root, got a different hash");
}
