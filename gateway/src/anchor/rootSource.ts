import { foldFrontier, leafHash, nodeHash, rootOf } from "../../../client/src/protocol/transparency/hash";
import { MAX_RANGE, type ReceiptLedger } from "../receipts";

/** A Merkle root of the ledger's first `treeSize` lines (RFC 6962, leaves = line bytes without the newline). */
export interface RootSnapshot {
  treeSize: number;
  root: Uint8Array;
}

/** Where the anchorer reads the root it anchors: the transparency tree, or `ledgerRootSource`. */
export type RootSource = () => RootSnapshot | Promise<RootSnapshot>;

/** The root of the ledger's first `treeSize` lines (for checking epochs recovered from the chain). */
export type RootHistory = (treeSize: number) => Promise<Uint8Array>;

/** A root history that re-reads the ledger's first `treeSize` lines: O(n), used only when recovering epochs. */
export function ledgerRootAt(ledger: Pick<ReceiptLedger, "range">): RootHistory {
  return async (treeSize) => {
    const leaves: Uint8Array[] = [];
    while (leaves.length < treeSize) {
      const lines = await ledger.range(leaves.length, treeSize, MAX_RANGE);
      for (const l of lines) leaves.push(leafHash(l.line));
    }
    return rootOf(leaves);
  };
}

/**
 * A root source over the durable ledger that keeps an RFC 6962 frontier (the perfect subtrees of a compact
 * range from 0) and folds in only the lines appended since its last call: O(new lines) per call. Written here
 * because the ledger's transparency tree may be absent; any source with the same answers can replace it.
 */
export function ledgerRootSource(ledger: Pick<ReceiptLedger, "head" | "range">): RootSource {
  const frontier: Uint8Array[] = [];
  const sizes: number[] = [];
  let size = 0;
  let reading: Promise<RootSnapshot> | undefined;

  async function catchUp(): Promise<RootSnapshot> {
    const target = ledger.head().size;
    while (size < target) {
      const lines = await ledger.range(size, Math.min(target, size + MAX_RANGE), MAX_RANGE);
      for (const l of lines) {
        let hash = leafHash(l.line);
        let width = 1;
        while (sizes.length > 0 && sizes[sizes.length - 1] === width) {
          hash = nodeHash(frontier.pop()!, hash);
          sizes.pop();
          width *= 2;
        }
        frontier.push(hash);
        sizes.push(width);
        size += 1;
      }
    }
    return { treeSize: size, root: foldFrontier(frontier) };
  }

  return () => {
    // One catch-up at a time: two overlapping calls would fold the same lines twice.
    reading = (reading ?? Promise.resolve(undefined)).then(catchUp, catchUp);
    return reading;
  };
}
