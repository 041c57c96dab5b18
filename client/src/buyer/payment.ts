import { type Address, type Hex, encodeFunctionData, erc20Abi, zeroAddress } from "viem";

import type { MarketWriter } from "../chain/clients";
import { decodeChainError } from "../chain/errors";
import { sendChecked } from "../chain/send";
import { ProtocolError } from "../protocol/errors";
import { BuyerErrorCode } from "./errors";

/** How a payment reaches the market: the native value to attach, and the approval sent first, if one was needed. */
export interface Funding {
  readonly value: bigint;
  readonly approvalTxHash?: Hex;
}

function insufficient(what: string, needed: bigint, balance: bigint): never {
  throw new ProtocolError(
    BuyerErrorCode.INSUFFICIENT_BALANCE,
    `expected a ${what} balance of at least ${needed}, got ${balance}`,
  );
}

/**
 * Prepares a payment of `amount` in `token` (zero = ETH) from `payer` to the market. ETH: checks the balance and
 * returns the value to attach. ERC-20: checks the balance, and if the market's allowance is below `amount`,
 * approves exactly `amount` (never more; an allowance already large enough is left alone).
 */
export async function fundPayment(
  clients: MarketWriter,
  payment: { token: Address; amount: bigint; payer: Address },
): Promise<Funding> {
  const { token, amount, payer } = payment;
  if (amount === 0n) return { value: 0n };
  const { publicClient } = clients;
  try {
    if (token === zeroAddress) {
      const balance = await publicClient.getBalance({ address: payer });
      if (balance < amount) insufficient("ETH", amount, balance);
      return { value: amount };
    }
    const [balance, allowance] = await Promise.all([
      publicClient.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [payer] }),
      publicClient.readContract({
        address: token,
        abi: erc20Abi,
        functionName: "allowance",
        args: [payer, clients.market],
      }),
    ]);
    if (balance < amount) insufficient(`token ${token}`, amount, balance);
    if (allowance >= amount) return { value: 0n };
    const data = encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [clients.market, amount] });
    const { hash } = await sendChecked(clients, { to: token, data }, `approve ${amount} of ${token}`);
    return { value: 0n, approvalTxHash: hash };
  } catch (err) {
    throw decodeChainError(err, `funding a payment of ${amount}`);
  }
}
