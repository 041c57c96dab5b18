import { type Address, type Hex, encodeFunctionData, getAddress, zeroAddress } from "viem";

import type { MarketWriter } from "../chain/clients";
import { marketEventOf } from "../chain/events";
import { readOffer } from "../chain/read";
import { sendChecked, senderOf } from "../chain/send";
import { swarmMarketAbi } from "../protocol/abi/swarmMarket";
import { marketRefusal } from "./errors";
import { fundPayment } from "./payment";

/** A purchase: the entitlement, what was paid in which token, and the transactions. */
export interface Purchase {
  readonly entitlementId: bigint;
  readonly offerId: bigint;
  readonly steps: number;
  readonly token: Address;
  readonly amount: bigint;
  readonly txHash: Hex;
  /** The ERC-20 approval sent first, when the allowance was short. */
  readonly approvalTxHash?: Hex;
}

/**
 * Buys `steps` steps of an offer as the wallet's account, escrowing price × steps: in ETH as the value, or in
 * the offer's ERC-20 after approving exactly that amount. `permitSigner`, when given, is the only key whose
 * permits the market will accept for this entitlement. Returns the id from `EntitlementPurchased`.
 */
export async function purchase(
  clients: MarketWriter,
  order: { offerId: bigint; steps: number; permitSigner?: Address },
): Promise<Purchase> {
  const { offerId, steps } = order;
  const offer = await readOffer(clients, offerId);
  if (offer.retired) throw marketRefusal("OfferIsRetired", [offerId]);
  if (!Number.isSafeInteger(steps) || steps < 1 || steps > offer.terms.maxSteps) {
    throw marketRefusal("InvalidStepCount", [BigInt(steps), BigInt(offer.terms.maxSteps)]);
  }
  const amount = offer.terms.pricePerStep * BigInt(steps);
  const payer = senderOf(clients).address;
  const funding = await fundPayment(clients, { token: offer.terms.token, amount, payer });
  const permitSigner = order.permitSigner === undefined ? zeroAddress : getAddress(order.permitSigner);
  const data = encodeFunctionData({
    abi: swarmMarketAbi,
    functionName: "purchase",
    args: [offerId, steps, permitSigner],
  });
  const { hash, receipt } = await sendChecked(
    clients,
    { to: clients.market, data, value: funding.value },
    `purchase ${steps} steps of offer ${offerId}`,
  );
  const event = marketEventOf(receipt, clients.market, "EntitlementPurchased");
  return {
    entitlementId: event.args.entitlementId,
    offerId,
    steps,
    token: offer.terms.token,
    amount: event.args.amount,
    txHash: hash,
    ...(funding.approvalTxHash === undefined ? {} : { approvalTxHash: funding.approvalTxHash }),
  };
}
