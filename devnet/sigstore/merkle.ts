/**
 * The dev Rekor's RFC 6962 tree: thin Buffer-returning wrappers over the project's one implementation in
 * client/src/protocol/transparency (the gateway's receipt log and the bundle verifier use the same code).
 */
import * as tlog from "../../client/src/protocol/transparency";

/** RFC 6962 leaf hash: SHA-256(0x00 || data). */
export function leafHash(data: Uint8Array): Buffer {
  return Buffer.from(tlog.leafHash(data));
}

/** RFC 6962 interior node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return Buffer.from(tlog.nodeHash(left, right));
}

/** RFC 6962 MTH over leaf hashes; the empty tree's root is SHA-256 of nothing. */
export function rootHash(leaves: readonly Buffer[]): Buffer {
  return Buffer.from(tlog.rootOf(leaves));
}

/** RFC 6962 PATH(m, D[n]): the audit path of leaf `index` in the tree of `leaves`, lowest level first. */
export function inclusionProof(index: number, leaves: readonly Buffer[]): Buffer[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) {
    throw new RangeError(`expected a leaf index below ${leaves.length}, got ${index}`);
  }
  return tlog.inclusionProof(leaves, index, leaves.length).map((h) => Buffer.from(h));
}
