import {
  type LeafRange,
  consistencyRanges,
  emptyRoot,
  foldFrontier,
  inclusionRanges,
  nodeHash,
  rootOf,
} from "../../../client/src/protocol/transparency";
import { HashLevels } from "./hashLevels";
import { transparencyError } from "./codes";

/** Reads the leaf hashes [from, to) of the tree (recomputed from the ledger, or from a leaf-hash file). */
export type LeafHashReader = (from: number, to: number) => Promise<Uint8Array[]>;

/** Levels below this are not kept: their hashes are recomputed from at most 2^level leaves per piece. */
export const DEFAULT_CACHE_LEVEL = 8;

interface Piece {
  readonly start: number;
  readonly level: number;
}

/**
 * An incremental RFC 6962 tree over the ledger's lines. It keeps the frontier (the compact range [0, size)) for
 * the current root, and the hash of every complete perfect subtree of 2^cacheLevel leaves or more (about
 * 2·size/2^cacheLevel hashes: 250 KB per million leaves at level 8). Any root or proof at any size ≤ size needs
 * those cached hashes plus at most a few runs of < 2^cacheLevel leaf hashes, read through `readLeaves`.
 */
export class IncrementalMerkleTree {
  private readonly levels = new HashLevels();
  private readonly frontier: { hash: Uint8Array; level: number }[] = [];
  private count = 0;

  constructor(
    private readonly readLeaves: LeafHashReader,
    private readonly cacheLevel: number = DEFAULT_CACHE_LEVEL,
  ) {
    if (!Number.isSafeInteger(cacheLevel) || cacheLevel < 0 || cacheLevel > 16) {
      throw new RangeError(`expected a cache level in [0, 16], got ${cacheLevel}`);
    }
  }

  /** How many leaves the tree holds. */
  get size(): number {
    return this.count;
  }

  /** Bytes held by the cached levels (the frontier is at most 53 hashes more). */
  memoryBytes(): number {
    return this.levels.bytes();
  }

  /** Appends the next leaf hash (leaf number `size`). */
  append(leafHash: Uint8Array): void {
    let hash = leafHash;
    let level = 0;
    if (this.cacheLevel === 0) this.levels.push(0, hash);
    while (this.frontier.length > 0 && this.frontier[this.frontier.length - 1]!.level === level) {
      hash = nodeHash(this.frontier.pop()!.hash, hash);
      level += 1;
      if (level >= this.cacheLevel) this.levels.push(level, hash);
    }
    this.frontier.push({ hash, level });
    this.count += 1;
  }

  /** The root of the whole tree, from the frontier: no reads. */
  root(): Uint8Array {
    return foldFrontier(this.frontier.map((f) => f.hash));
  }

  /** The root of the first `treeSize` leaves. */
  async rootAt(treeSize: number): Promise<Uint8Array> {
    this.checkSize(treeSize);
    if (treeSize === 0) return emptyRoot();
    if (treeSize === this.count) return this.root();
    const [root] = await this.hashRanges([{ start: 0, end: treeSize }]);
    return root!;
  }

  /** The RFC 9162 inclusion proof of leaf `index` in the tree of `treeSize` leaves. */
  async inclusionProof(index: number, treeSize: number): Promise<Uint8Array[]> {
    this.checkSize(treeSize);
    return this.hashRanges(inclusionRanges(index, treeSize));
  }

  /** The RFC 9162 consistency proof between the trees of `size1` and `size2` leaves (empty when equal). */
  async consistencyProof(size1: number, size2: number): Promise<Uint8Array[]> {
    this.checkSize(size2);
    if (size1 === size2 && size1 > 0) return [];
    return this.hashRanges(consistencyRanges(size1, size2));
  }

  /** The leaf hashes [from, to), read through the reader (for tests and audits). */
  leafHashes(from: number, to: number): Promise<Uint8Array[]> {
    return this.readLeaves(from, to);
  }

  private checkSize(treeSize: number): void {
    if (!Number.isSafeInteger(treeSize) || treeSize < 0 || treeSize > this.count) {
      throw transparencyError("TREE_SIZE_UNKNOWN", `expected a tree size in [0, ${this.count}], got ${treeSize}`);
    }
  }

  /** The MTH of each range: cached perfect subtrees where possible, one read per run of uncached leaves. */
  private async hashRanges(ranges: readonly LeafRange[]): Promise<Uint8Array[]> {
    const pieces = ranges.map((r) => decompose(r));
    const low = pieces.flat().filter((p) => p.level < this.cacheLevel);
    const leaves = await this.readRuns(low);
    return pieces.map((list) =>
      foldFrontier(
        list.map((p) => {
          if (p.level >= this.cacheLevel) {
            const hash = this.levels.get(p.level, p.start / 2 ** p.level);
            if (hash === undefined) throw transparencyError("TREE_STATE_INVALID", "a cached subtree is missing");
            return hash;
          }
          return rootOf(leaves.slice(p.start, p.start + 2 ** p.level));
        }),
      ),
    );
  }

  /** Reads the leaves of the pieces, merged into contiguous runs; answers a sparse view indexed by leaf number. */
  private async readRuns(pieces: readonly Piece[]): Promise<LeafView> {
    const spans = pieces.map((p) => [p.start, p.start + 2 ** p.level] as const).sort((a, b) => a[0] - b[0]);
    const view = new LeafView();
    let i = 0;
    while (i < spans.length) {
      const from = spans[i]![0];
      let to = spans[i]![1];
      for (i += 1; i < spans.length && spans[i]![0] <= to; i++) to = Math.max(to, spans[i]![1]);
      const hashes = await this.readLeaves(from, to);
      if (hashes.length !== to - from) {
        throw transparencyError(
          "TREE_STATE_INVALID",
          `expected ${to - from} leaf hashes from ${from}, got ${hashes.length}`,
        );
      }
      view.add(from, hashes);
    }
    return view;
  }
}

/** Leaf hashes of a few runs, addressed by leaf number. */
class LeafView {
  private readonly runs: { from: number; hashes: Uint8Array[] }[] = [];

  add(from: number, hashes: Uint8Array[]): void {
    this.runs.push({ from, hashes });
  }

  slice(start: number, end: number): Uint8Array[] {
    const run = this.runs.find((r) => r.from <= start && end <= r.from + r.hashes.length);
    if (run === undefined) throw transparencyError("TREE_STATE_INVALID", `leaves [${start}, ${end}) were not read`);
    return run.hashes.slice(start - run.from, end - run.from);
  }
}

/** The aligned perfect subtrees that make up [start, end), left to right (largest first for tree ranges). */
function decompose({ start, end }: LeafRange): Piece[] {
  const pieces: Piece[] = [];
  let pos = start;
  while (pos < end) {
    let level = 0;
    while (pos % 2 ** (level + 1) === 0 && pos + 2 ** (level + 1) <= end) level += 1;
    pieces.push({ start: pos, level });
    pos += 2 ** level;
  }
  return pieces;
}
