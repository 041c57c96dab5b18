import type { Address, Hex, TransactionReceipt } from "viem";

import { ProtocolError } from "../protocol/errors";
import type { MarketWriter } from "./clients";
import { ChainErrorCode, decodeChainError } from "./errors";
import {
  type TransactionRequest,
  type TransactionSender,
  isTransactionSender,
  senderFromViemWalletClient,
} from "./sender";

/** The sender of a writer's wallet (a viem wallet client is wrapped). */
export function senderOf(clients: Pick<MarketWriter, "wallet">): TransactionSender {
  return isTransactionSender(clients.wallet) ? clients.wallet : senderFromViemWalletClient(clients.wallet);
}

/** Refuses a sender on another chain than the public client: its transaction would never be seen. */
export async function verifySameChain(clients: MarketWriter, sender: TransactionSender): Promise<void> {
  let expected: number;
  let got: number;
  try {
    [expected, got] = await Promise.all([clients.publicClient.getChainId(), sender.chainId()]);
  } catch (err) {
    throw decodeChainError(err, "reading the chain id");
  }
  if (expected !== got) {
    throw new ProtocolError(ChainErrorCode.CHAIN_MISMATCH, `expected the wallet on chain ${expected}, got ${got}`);
  }
}

/**
 * Sends one transaction the careful way: same chain → simulate (`eth_call` from the sender, so a revert is
 * decoded before any gas is spent) → send → wait for the receipt → refuse a reverted receipt.
 */
export async function sendChecked(
  clients: MarketWriter,
  tx: TransactionRequest,
  action: string,
): Promise<{ hash: Hex; receipt: TransactionReceipt; from: Address }> {
  const sender = senderOf(clients);
  await verifySameChain(clients, sender);
  try {
    await clients.publicClient.call({
      account: sender.address,
      to: tx.to,
      data: tx.data,
      ...(tx.value === undefined ? {} : { value: tx.value }),
    });
  } catch (err) {
    throw decodeChainError(err, action);
  }
  let hash: Hex;
  try {
    hash = await sender.sendTransaction(tx);
  } catch (err) {
    throw decodeChainError(err, action);
  }
  let receipt: TransactionReceipt;
  try {
    receipt = await clients.publicClient.waitForTransactionReceipt({ hash, confirmations: clients.confirmations ?? 1 });
  } catch (err) {
    throw decodeChainError(err, `${action} (waiting for ${hash})`);
  }
  if (receipt.status !== "success") {
    throw new ProtocolError(ChainErrorCode.TX_REVERTED, `${action}: transaction ${hash} reverted`);
  }
  return { hash, receipt, from: sender.address };
}
