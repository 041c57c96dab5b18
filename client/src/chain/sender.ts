/**
 * Who sends the SDK's transactions. The SDK encodes every call itself (viem) and hands the sender only
 * `{ to, data, value }`, so a viem wallet client and an ethers v6 `Signer` send exactly the same bytes; receipts
 * are always read through the viem public client.
 */
import { type Address, type Hex, type WalletClient, getAddress, isAddress, isHex } from "viem";

import { ProtocolError } from "../protocol/errors";
import { SignerErrorCode } from "../signer";

/** A contract call ready to send: the target, the calldata and the native value. */
export interface TransactionRequest {
  readonly to: Address;
  readonly data: Hex;
  readonly value?: bigint;
}

/** Sends transactions from `address`; `chainId()` is the chain it sends to. */
export interface TransactionSender {
  readonly address: Address;
  chainId(): Promise<number>;
  /** Signs and broadcasts; resolves to the transaction hash (not waiting for inclusion). */
  sendTransaction(tx: TransactionRequest): Promise<Hex>;
}

/** The part of an ethers v6 `Signer` the sender uses; it must be connected to a provider. */
export interface EthersSenderLike {
  getAddress(): Promise<string>;
  sendTransaction(tx: { to: string; data: string; value?: bigint }): Promise<{ hash: string }>;
  readonly provider: { getNetwork(): Promise<{ chainId: bigint }> } | null;
}

/** Whether `wallet` is already a TransactionSender (rather than a viem wallet client). */
export function isTransactionSender(wallet: WalletClient | TransactionSender): wallet is TransactionSender {
  return typeof (wallet as Partial<TransactionSender>).chainId === "function" && "address" in wallet;
}

/** A sender over a viem wallet client with an account. */
export function senderFromViemWalletClient(wallet: WalletClient): TransactionSender {
  const account = wallet.account;
  if (account === undefined) {
    throw new ProtocolError(SignerErrorCode.ACCOUNT_MISSING, "expected a wallet client with an account");
  }
  return {
    address: getAddress(account.address),
    chainId: () => wallet.getChainId(),
    sendTransaction: (tx) =>
      wallet.sendTransaction({
        account,
        chain: wallet.chain ?? null,
        to: tx.to,
        data: tx.data,
        ...(tx.value === undefined ? {} : { value: tx.value }),
      }),
  };
}

/** A sender over an ethers v6 `Signer` connected to a provider (async: ethers reports its address asynchronously). */
export async function senderFromEthersSigner(signer: EthersSenderLike): Promise<TransactionSender> {
  const provider = signer.provider;
  if (provider === null) {
    throw new ProtocolError(SignerErrorCode.ACCOUNT_MISSING, "expected an ethers signer connected to a provider");
  }
  const address = await signer.getAddress();
  if (!isAddress(address, { strict: false })) {
    throw new ProtocolError(SignerErrorCode.ADDRESS_INVALID, "expected the ethers signer's address to be 20 bytes");
  }
  return {
    address: getAddress(address),
    chainId: async () => Number((await provider.getNetwork()).chainId),
    async sendTransaction(tx) {
      const sent = await signer.sendTransaction({
        to: tx.to,
        data: tx.data,
        ...(tx.value === undefined ? {} : { value: tx.value }),
      });
      if (!isHex(sent.hash) || sent.hash.length !== 66) {
        throw new ProtocolError(SignerErrorCode.FAILED, "expected a 32-byte transaction hash from the ethers signer");
      }
      return sent.hash;
    },
  };
}
