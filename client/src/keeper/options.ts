import type { Logger } from "pino";

import type { MarketWriter } from "../chain/clients";
import type { Clock } from "../protocol/clock";
import type { ActionResult } from "./actions";
import type { AttestationSource } from "./attestationSource";
import type { KeeperBackoff } from "./backoff";
import type { CursorStore } from "./cursor";
import type { EvidenceSource } from "./evidence/source";
import type { KeeperMetrics } from "./metrics";
import type { Quorum } from "./quorum";

/** The transactions a keeper sends. */
export type KeeperAction = "claim" | "finalize" | "reclaim" | "settleLapsed";

/** What the keeper did or is waiting for, for an observer (the demo's story, a dashboard). */
export type KeeperEvent =
  | {
      readonly kind: "action";
      readonly action: KeeperAction;
      readonly entitlementId: bigint;
      readonly step: number;
      readonly result: ActionResult;
      readonly quorum?: Quorum;
    }
  | {
      readonly kind: "retry";
      readonly entitlementId: bigint;
      readonly step: number;
      readonly code: string;
      readonly message: string;
      readonly retryInMs: number;
    };

/** How a keeper is wired: everything passed in. */
export interface KeeperOptions {
  readonly writer: MarketWriter;
  readonly chainId: bigint;
  /** The first block to scan when there is no cursor yet (the market's deploy block, or later). */
  readonly startBlock: bigint;
  /** Blocks behind the head the keeper stays: it acts only on events in blocks ≤ head − confirmations. */
  readonly confirmations: number;
  readonly cursor: CursorStore;
  readonly evidence: EvidenceSource;
  readonly attestations: readonly AttestationSource[];
  readonly clock: Clock;
  readonly logger: Pick<Logger, "info" | "warn" | "error" | "debug">;
  readonly metrics?: KeeperMetrics;
  /** Blocks per getLogs request (default 2,000). */
  readonly maxBlockRange?: bigint;
  /** How far back to rescan when a scanned block's hash changed (default 64). */
  readonly reorgRewindBlocks?: bigint;
  readonly backoff?: KeeperBackoff;
  /** Only steps of these offers (default: every offer of the market). */
  readonly offerIds?: readonly bigint[];
  /** Actions to leave to others (default: all enabled). */
  readonly disabled?: readonly KeeperAction[];
  readonly onEvent?: (event: KeeperEvent) => void;
}

/** What one pass saw and did. */
export interface TickReport {
  readonly head: bigint;
  readonly scannedTo: bigint | undefined;
  readonly found: number;
  readonly pending: number;
  readonly actions: number;
}
