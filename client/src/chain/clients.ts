import type { Address, PublicClient, WalletClient } from "viem";

import type { TransactionSender } from "./sender";

/** What every market read takes: a viem public client and the market's address. */
export interface MarketReader {
  readonly publicClient: PublicClient;
  readonly market: Address;
}

/** What every market write takes: a reader, and who sends (a viem wallet client or any TransactionSender). */
export interface MarketWriter extends MarketReader {
  readonly wallet: WalletClient | TransactionSender;
  /** Confirmations to wait for before a write resolves (default 1). */
  readonly confirmations?: number;
}
