import type { KeyObject } from "node:crypto";
import type { Clock } from "../../../client/src/protocol/clock";
import type { HybridReceiptSigner, ReceiptEnvelope } from "./envelope";
import type { LedgerFs } from "./ledgerFs";
import type { Hex } from "./receipt";
import type { LedgerRepair } from "./recoverLedger";

/** The most lines one `range` call returns. */
export const MAX_RANGE = 1000;
/** Default cap on bytes waiting for the disk before appends are refused with LEDGER_OVERLOADED. */
export const DEFAULT_MAX_QUEUED_BYTES = 64 * 1024 * 1024;

/** How to open a ledger. */
export interface LedgerOptions {
  /** The `receipts.ndjson` file; created if missing. One process writes it. */
  readonly path: string;
  /**
   * The key that signs new lines; must be the key the file's chain leads to. With `mlDsa` (hybrid), new lines also
   * carry an ML-DSA-65 signature and every hybrid line already in the file must verify under that ML-DSA key.
   */
  readonly signer: HybridReceiptSigner;
  /** `eip155:<chainId>:<gateway address lowercase>`; every line must name it. */
  readonly issuer: string;
  readonly clock: Clock;
  /** The key line 0 was signed with, when it differs from the signer's (the ledger has rotated). */
  readonly genesisPublicKey?: KeyObject;
  readonly fs?: LedgerFs;
  readonly maxQueuedBytes?: number;
}

/** One ledger line: its seq, exact bytes without the newline (the Merkle leaf) and the envelope they encode. */
export interface LedgerLine {
  readonly seq: number;
  readonly line: Buffer;
  readonly envelope: ReceiptEnvelope;
}

/** The durable head: how many lines, and the sha256 of the last one (the next line's prev). */
export interface LedgerHead {
  readonly size: number;
  readonly lastLineHash: Hex;
}

/** What opening found: the verified size, how many key rotations the chain went through, any tail repair. */
export interface LedgerOpenReport {
  readonly size: number;
  readonly rotations: number;
  readonly repair: LedgerRepair | undefined;
}
