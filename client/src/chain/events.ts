import { type Address, type ContractEventName, type TransactionReceipt, isAddressEqual, parseEventLogs } from "viem";

import { swarmMarketAbi } from "../protocol/abi/swarmMarket";
import { ProtocolError } from "../protocol/errors";
import { ChainErrorCode } from "./errors";

type MarketAbi = typeof swarmMarketAbi;

/** The one `eventName` the market emitted in `receipt` (logs of other contracts ignored); throws if absent. */
export function marketEventOf<N extends ContractEventName<MarketAbi>>(
  receipt: TransactionReceipt,
  market: Address,
  eventName: N,
) {
  const logs = parseEventLogs({ abi: swarmMarketAbi, logs: receipt.logs, eventName }).filter((l) =>
    isAddressEqual(l.address, market),
  );
  const first = logs[0];
  if (first === undefined) {
    throw new ProtocolError(
      ChainErrorCode.EVENT_MISSING,
      `expected a ${eventName} event from ${market} in ${receipt.transactionHash}`,
    );
  }
  return first;
}
