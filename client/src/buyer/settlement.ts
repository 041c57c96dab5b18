import { type Address, type Hex, encodeFunctionData, getAddress, zeroAddress } from "viem";

import type { MarketWriter } from "../chain/clients";
import { marketEventOf } from "../chain/events";
import { readEntitlement, readOffer, readStep } from "../chain/read";
import { STEP_STATUSES } from "../chain/types";
import { sendChecked, senderOf } from "../chain/send";
import { swarmMarketAbi } from "../protocol/abi/swarmMarket";
import { marketRefusal } from "./errors";
import { fundPayment } from "./payment";

/** Accepts a claimed step at once (buyer only): its price is credited to the seller. */
export async function accept(
  clients: MarketWriter,
  entitlementId: bigint,
  step: number,
): Promise<{ txHash: Hex; amount: bigint }> {
  const data = encodeFunctionData({ abi: swarmMarketAbi, functionName: "accept", args: [entitlementId, step] });
  const { hash, receipt } = await sendChecked(
    clients,
    { to: clients.market, data },
    `accept step ${step} of ${entitlementId}`,
  );
  return { txHash: hash, amount: marketEventOf(receipt, clients.market, "StepSettled").args.amount };
}

/**
 * Disputes a claimed step (buyer only, within the dispute window, and not a step a later permit continued from),
 * posting the offer's bond: as the value in ETH, or after approving exactly the bond in the offer's ERC-20.
 */
export async function dispute(
  clients: MarketWriter,
  entitlementId: bigint,
  step: number,
): Promise<{ txHash: Hex; bond: bigint; approvalTxHash?: Hex }> {
  const entitlement = await readEntitlement(clients, entitlementId);
  const sender = senderOf(clients).address;
  // Refuse what the market would refuse before funding the bond: an ERC-20 bond is approved first, and a
  // dispute refused after that would leave an allowance behind.
  if (getAddress(sender) !== getAddress(entitlement.buyer)) throw marketRefusal("NotBuyer", [entitlementId, sender]);
  const { status } = await readStep(clients, entitlementId, step);
  if (status !== "Claimed") {
    throw marketRefusal("InvalidStepStatus", [
      entitlementId,
      step,
      STEP_STATUSES.indexOf("Claimed"),
      STEP_STATUSES.indexOf(status),
    ]);
  }
  const offer = await readOffer(clients, entitlement.offerId);
  const funding = await fundPayment(clients, {
    token: offer.terms.token,
    amount: offer.terms.disputeBond,
    payer: sender,
  });
  const data = encodeFunctionData({ abi: swarmMarketAbi, functionName: "dispute", args: [entitlementId, step] });
  const { hash, receipt } = await sendChecked(
    clients,
    { to: clients.market, data, value: funding.value },
    `dispute step ${step} of ${entitlementId}`,
  );
  const bond = marketEventOf(receipt, clients.market, "StepDisputed").args.bond;
  return {
    txHash: hash,
    bond,
    ...(funding.approvalTxHash === undefined ? {} : { approvalTxHash: funding.approvalTxHash }),
  };
}

/**
 * Withdraws the account's whole credit in `token` (zero = ETH) to itself, or to `to` (for an account that cannot
 * receive). `MARKET_NOTHING_TO_WITHDRAW` when there is none.
 */
export async function withdraw(
  clients: MarketWriter,
  token: Address = zeroAddress,
  to?: Address,
): Promise<{ txHash: Hex; amount: bigint; to: Address }> {
  const data =
    to === undefined
      ? encodeFunctionData({ abi: swarmMarketAbi, functionName: "withdraw", args: [getAddress(token)] })
      : encodeFunctionData({
          abi: swarmMarketAbi,
          functionName: "withdrawTo",
          args: [getAddress(token), getAddress(to)],
        });
  const { hash, receipt } = await sendChecked(clients, { to: clients.market, data }, `withdraw ${token}`);
  const event = marketEventOf(receipt, clients.market, "Withdrawn");
  return { txHash: hash, amount: event.args.amount, to: getAddress(event.args.to) };
}
