import { type Hex, encodeFunctionData, zeroAddress } from "viem";

import type { MarketWriter } from "../chain/clients";
import { marketEventOf } from "../chain/events";
import { readChainId, readIsAllowedToken, readTermBounds } from "../chain/read";
import { sendChecked, senderOf } from "../chain/send";
import type { OfferTerms } from "../chain/types";
import { swarmMarketAbi } from "../protocol/abi/swarmMarket";
import { type OfferTermsInput, termAddress, validateOfferTerms } from "./terms";

/** A published offer: its id, the transaction, and the terms exactly as the market took them. */
export interface PublishedOffer {
  readonly offerId: bigint;
  readonly txHash: Hex;
  readonly termsHash: Hex;
  readonly terms: OfferTerms;
}

/**
 * Publishes an offer as the wallet's account: validates the terms against the market's bounds and allowlist and
 * against the capsule (hash, audience, unbound-run flag) before sending; returns the id from `OfferPublished`.
 */
export async function publishOffer(
  clients: MarketWriter,
  input: { terms: OfferTermsInput; capsule: Uint8Array },
): Promise<PublishedOffer> {
  const seller = senderOf(clients).address;
  const [chainId, bounds, tokenAllowed] = await Promise.all([
    readChainId(clients),
    readTermBounds(clients),
    readIsAllowedToken(clients, termAddress(input.terms.token ?? zeroAddress, "token")),
  ]);
  const terms = validateOfferTerms(input.terms, {
    chainId: BigInt(chainId),
    market: clients.market,
    seller,
    bounds,
    tokenAllowed,
    capsule: input.capsule,
  });
  const data = encodeFunctionData({
    abi: swarmMarketAbi,
    functionName: "publish",
    args: [{ ...terms, verifiers: [...terms.verifiers] }],
  });
  const { hash, receipt } = await sendChecked(clients, { to: clients.market, data }, "publish");
  const event = marketEventOf(receipt, clients.market, "OfferPublished");
  return { offerId: event.args.offerId, txHash: hash, termsHash: event.args.termsHash, terms };
}

/** Retires an offer (seller only): it takes no new purchases; entitlements already bought run on. */
export async function retireOffer(clients: MarketWriter, offerId: bigint): Promise<{ txHash: Hex }> {
  const data = encodeFunctionData({ abi: swarmMarketAbi, functionName: "retire", args: [offerId] });
  const { hash, receipt } = await sendChecked(clients, { to: clients.market, data }, `retire offer ${offerId}`);
  marketEventOf(receipt, clients.market, "OfferRetired");
  return { txHash: hash };
}
