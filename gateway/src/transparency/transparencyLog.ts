import type { KeyObject } from "node:crypto";

import type { MlDsaKeyPair } from "../../../client/src/protocol/hybrid";
import { encodeBase64, leafHash } from "../../../client/src/protocol/transparency";
import { GatewayError } from "../errors";
import { type LedgerLine, MAX_RANGE, type ReceiptLedger } from "../receipts";
import { CheckpointSigner } from "./checkpointSigner";
import { transparencyError } from "./codes";
import { IncrementalMerkleTree } from "./merkleTree";

/** What the log needs of the ledger: its durable head, ranged reads, and the durable-lines hook. */
export type TransparencyLedger = Pick<ReceiptLedger, "head" | "range" | "onDurable">;

/** How to open the log over a ledger. */
export interface TransparencyLogOptions {
  readonly ledger: TransparencyLedger;
  /** `checkpointOrigin(chainId, market, gateway)`. */
  readonly origin: string;
  /** Ed25519 key that signs checkpoints. */
  readonly signingKey: KeyObject;
  /** ML-DSA-65 key that adds a second signature line to every checkpoint (hybrid); none when absent. */
  readonly mlDsaKey?: MlDsaKeyPair;
  /** Tree levels below this are recomputed from the ledger instead of kept (default 8: 256-leaf runs). */
  readonly cacheLevel?: number;
}

/** `GET /v1/proofs/inclusion`: the audit path of receipt `seq` in the tree of `treeSize` receipts. */
export interface InclusionAnswer {
  seq: string;
  treeSize: string;
  /** SHA-256(0x00 || line), base64: informative, a client computes it from the receipt line it holds. */
  leafHash: string;
  proof: string[];
}

/** `GET /v1/proofs/consistency`: the proof that the tree of `to` receipts extends the tree of `from`. */
export interface ConsistencyAnswer {
  from: string;
  to: string;
  proof: string[];
}

/**
 * The gateway's transparency log: an incremental Merkle tree over the durable ledger lines (rebuilt from the
 * ledger on open, then fed by the ledger's durable hook), checkpoints signed as C2SP notes, and proofs.
 */
export class TransparencyLog {
  readonly tree: IncrementalMerkleTree;
  readonly signer: CheckpointSigner;
  private catchingUp: Promise<void> | undefined;
  private readonly unsubscribe: () => void;

  private constructor(private readonly options: TransparencyLogOptions) {
    this.signer = new CheckpointSigner(options.origin, options.signingKey, options.mlDsaKey);
    this.tree = new IncrementalMerkleTree((from, to) => this.readLeafHashes(from, to), options.cacheLevel);
    this.unsubscribe = options.ledger.onDurable((lines) => this.onDurable(lines));
  }

  /** Opens the log: subscribes to the ledger, then folds in every durable line (a rebuild from the file). */
  static async open(options: TransparencyLogOptions): Promise<TransparencyLog> {
    const log = new TransparencyLog(options);
    await log.catchUp();
    return log;
  }

  /** The tree size and root now: what the anchorer anchors. */
  snapshot(): { treeSize: number; root: Uint8Array } {
    return { treeSize: this.tree.size, root: this.tree.root() };
  }

  /** The signed checkpoint of the current tree (C2SP signed note, text). */
  async checkpoint(): Promise<string> {
    await this.catchUp();
    return this.signer.sign(this.tree.size, this.tree.root());
  }

  /** The inclusion proof of receipt `seq` in the tree of `treeSize` receipts (both decimal strings). */
  async inclusion(seq: string, treeSize: string): Promise<InclusionAnswer> {
    await this.catchUp();
    const [index, size] = [this.sizeArg(seq), this.sizeArg(treeSize)];
    if (index >= size)
      throw transparencyError("PROOF_QUERY_INVALID", `expected seq below treeSize ${size}, got ${index}`);
    const [leaf] = await this.tree.leafHashes(index, index + 1);
    const proof = await this.tree.inclusionProof(index, size);
    return {
      seq: String(index),
      treeSize: String(size),
      leafHash: encodeBase64(leaf!),
      proof: proof.map(encodeBase64),
    };
  }

  /** The consistency proof from the tree of `from` receipts to the tree of `to` (1 ≤ from ≤ to). */
  async consistency(from: string, to: string): Promise<ConsistencyAnswer> {
    await this.catchUp();
    const [size1, size2] = [this.sizeArg(from), this.sizeArg(to)];
    if (size1 < 1 || size1 > size2) {
      throw transparencyError("PROOF_QUERY_INVALID", `expected 1 ≤ from ≤ to, got ${size1} and ${size2}`);
    }
    const proof = await this.tree.consistencyProof(size1, size2);
    return { from: String(size1), to: String(size2), proof: proof.map(encodeBase64) };
  }

  /** Stops following the ledger. */
  close(): void {
    this.unsubscribe();
  }

  private sizeArg(value: string): number {
    const n = /^(0|[1-9][0-9]{0,15})$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n > this.tree.size) {
      throw transparencyError(
        "TREE_SIZE_UNKNOWN",
        `expected a size or seq up to ${this.tree.size}, got ${value.slice(0, 24)}`,
      );
    }
    return n;
  }

  /** Appends lines in order as they become durable; a gap (lines missed) falls back to reading the ledger. */
  private onDurable(lines: readonly LedgerLine[]): void {
    if (this.catchingUp !== undefined) return;
    for (const l of lines) {
      if (l.seq < this.tree.size) continue;
      if (l.seq > this.tree.size) {
        void this.catchUp().catch(() => undefined);
        return;
      }
      this.tree.append(leafHash(l.line));
    }
  }

  /** Folds in every durable line the tree lacks, reading the ledger; one catch-up at a time. */
  private catchUp(): Promise<void> {
    if (this.tree.size >= this.options.ledger.head().size) return this.catchingUp ?? Promise.resolve();
    this.catchingUp ??= (async () => {
      try {
        while (this.tree.size < this.options.ledger.head().size) {
          const from = this.tree.size;
          const to = Math.min(this.options.ledger.head().size, from + MAX_RANGE);
          for (const l of await this.options.ledger.range(from, to, MAX_RANGE)) {
            if (l.seq === this.tree.size) this.tree.append(leafHash(l.line));
          }
        }
      } finally {
        this.catchingUp = undefined;
      }
    })();
    return this.catchingUp;
  }

  private async readLeafHashes(from: number, to: number): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    try {
      for (let pos = from; pos < to; pos += MAX_RANGE) {
        const lines = await this.options.ledger.range(pos, Math.min(to, pos + MAX_RANGE), MAX_RANGE);
        for (const l of lines) out.push(leafHash(l.line));
      }
    } catch (cause) {
      if (cause instanceof GatewayError) throw cause;
      throw transparencyError("TREE_NOT_READY", "could not read the ledger", cause);
    }
    return out;
  }
}
