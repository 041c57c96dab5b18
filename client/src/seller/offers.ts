import { type Address, type BlockNumber, type BlockTag, type Hex, getAddress } from "viem";

import type { MarketReader } from "../chain/clients";
import { decodeChainError } from "../chain/errors";
import { readOffer } from "../chain/read";
import type { Offer } from "../chain/types";
import { swarmMarketAbi } from "../protocol/abi/swarmMarket";

/** An offer found in the logs: its current state, and where it was published. */
export interface ListedOffer extends Offer {
  readonly publishedInBlock: bigint;
  readonly publishedInTx: Hex;
}

/** Reads an offer by id (`MARKET_UNKNOWN_OFFER` if there is none). */
export function getOffer(reader: MarketReader, offerId: bigint): Promise<Offer> {
  return readOffer(reader, offerId);
}

/**
 * Lists offers from `OfferPublished` logs in [fromBlock, toBlock] (optionally of one seller or gateway, both
 * indexed), each with its current state (`retired`) read from the market. Start at the market's deploy block;
 * an RPC that caps log ranges needs the range split by the caller.
 */
export async function listOffers(
  reader: MarketReader,
  options: { fromBlock: BlockNumber; toBlock?: BlockNumber | BlockTag; seller?: Address; gateway?: Address },
): Promise<ListedOffer[]> {
  let logs;
  try {
    logs = await reader.publicClient.getContractEvents({
      address: reader.market,
      abi: swarmMarketAbi,
      eventName: "OfferPublished",
      args: {
        ...(options.seller === undefined ? {} : { seller: getAddress(options.seller) }),
        ...(options.gateway === undefined ? {} : { gateway: getAddress(options.gateway) }),
      },
      fromBlock: options.fromBlock,
      toBlock: options.toBlock ?? "latest",
      strict: true,
    });
  } catch (err) {
    throw decodeChainError(err, "reading OfferPublished logs");
  }
  const offers: ListedOffer[] = [];
  for (const log of logs) {
    if (log.blockNumber === null || log.transactionHash === null) continue; // pending: not published yet
    const offer = await readOffer(reader, log.args.offerId);
    offers.push({ ...offer, publishedInBlock: log.blockNumber, publishedInTx: log.transactionHash });
  }
  return offers;
}
