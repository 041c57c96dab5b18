import { type Address, type Hex, encodeFunctionData, getAddress, zeroAddress } from "viem";

import type { MarketReader, MarketWriter } from "../chain/clients";
import { marketEventOf } from "../chain/events";
import { readEntitlement } from "../chain/read";
import { sendChecked } from "../chain/send";
import type { Entitlement } from "../chain/types";
import { swarmMarketAbi } from "../protocol/abi/swarmMarket";

/** Reads an entitlement (`MARKET_UNKNOWN_ENTITLEMENT` if there is none). */
export function getEntitlement(reader: MarketReader, entitlementId: bigint): Promise<Entitlement> {
  return readEntitlement(reader, entitlementId);
}

/**
 * Sets the entitlement's permit signer (buyer only): from now on only `permitSigner`'s permits are accepted.
 * `undefined` clears it, so the buyer signs again.
 */
export async function setPermitSigner(
  clients: MarketWriter,
  entitlementId: bigint,
  permitSigner: Address | undefined,
): Promise<{ txHash: Hex; permitSigner: Address | undefined }> {
  const signer = permitSigner === undefined ? zeroAddress : getAddress(permitSigner);
  const data = encodeFunctionData({
    abi: swarmMarketAbi,
    functionName: "setPermitSigner",
    args: [entitlementId, signer],
  });
  const { hash, receipt } = await sendChecked(
    clients,
    { to: clients.market, data },
    `set the permit signer of ${entitlementId}`,
  );
  marketEventOf(receipt, clients.market, "PermitSignerChanged");
  return { txHash: hash, permitSigner: signer === zeroAddress ? undefined : signer };
}

/** Cancels the unconsumed steps (buyer only): their price is credited back; `withdraw` pays it out. */
export async function cancel(
  clients: MarketWriter,
  entitlementId: bigint,
): Promise<{ txHash: Hex; steps: number; amount: bigint }> {
  const data = encodeFunctionData({ abi: swarmMarketAbi, functionName: "cancel", args: [entitlementId] });
  const { hash, receipt } = await sendChecked(clients, { to: clients.market, data }, `cancel ${entitlementId}`);
  const event = marketEventOf(receipt, clients.market, "EntitlementCancelled");
  return { txHash: hash, steps: event.args.steps, amount: event.args.amount };
}
