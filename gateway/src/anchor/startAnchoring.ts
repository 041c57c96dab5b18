import type { Account, Address, Chain, PublicClient, Transport, WalletClient } from "viem";

import type { ReceiptLedger } from "../receipts";
import { createAnchorChain } from "./anchorChain";
import { type AnchorLogEvent, type Anchorer, createAnchorer } from "./anchorer";
import { anchorRecordsPath, openAnchorRecords, type AnchorRecords } from "./anchorRecords";
import { type RootHistory, type RootSource, ledgerRootAt, ledgerRootSource } from "./rootSource";

/** The anchoring settings of a gateway (config `anchor`, loaded). */
export interface AnchorSettings {
  /** The EvidenceAnchor contract. */
  contract: Address;
  /** The block EvidenceAnchor was deployed in: where recovery searches its events from. */
  deployBlock: bigint;
  intervalMs: number;
  retryBaseMs?: number;
  /** How long a round waits for its transaction's receipt. Default 120 s. */
  receiptTimeoutMs?: number;
}

export interface StartAnchoringOptions {
  settings: AnchorSettings;
  publicClient: PublicClient;
  /** Sends as the gateway's account (its nonce manager shared with the permit consumer). */
  walletClient: WalletClient<Transport, Chain, Account>;
  confirmations: number;
  ledgerPath: string;
  ledger: Pick<ReceiptLedger, "head" | "range">;
  /** The transparency tree's root and past roots; default: an incremental tree over the ledger, and re-reading it. */
  rootSource?: RootSource;
  rootAt?: RootHistory;
  log?: (e: AnchorLogEvent) => void;
}

/** A running anchoring loop and its records file. */
export interface RunningAnchoring {
  anchorer: Anchorer;
  records: AnchorRecords;
  stop(): Promise<void>;
}

/** Opens the anchor records beside the ledger and starts anchoring on the configured schedule. */
export async function startAnchoring(o: StartAnchoringOptions): Promise<RunningAnchoring> {
  const records = await openAnchorRecords(anchorRecordsPath(o.ledgerPath));
  const anchorer = createAnchorer({
    rootSource: o.rootSource ?? ledgerRootSource(o.ledger),
    rootAt: o.rootAt ?? ledgerRootAt(o.ledger),
    chain: createAnchorChain({
      publicClient: o.publicClient,
      walletClient: o.walletClient,
      contract: o.settings.contract,
      confirmations: o.confirmations,
      fromBlock: o.settings.deployBlock,
      ...(o.settings.receiptTimeoutMs === undefined ? {} : { receiptTimeoutMs: o.settings.receiptTimeoutMs }),
    }),
    records,
    intervalMs: o.settings.intervalMs,
    ...(o.settings.retryBaseMs === undefined ? {} : { retryBaseMs: o.settings.retryBaseMs }),
    timers: {
      set: (run, ms) => setTimeout(run, ms).unref(),
      clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
    },
    ...(o.log === undefined ? {} : { log: o.log }),
  });
  anchorer.start();
  return {
    anchorer,
    records,
    async stop() {
      await anchorer.stop();
      await records.close();
    },
  };
}
