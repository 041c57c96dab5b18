/** Reading the market's StepConsumed events, only from blocks at least `confirmations` deep. */
import { type Hex, type PublicClient, getAddress } from "viem";

import type { MarketReader } from "../chain/clients";
import { decodeChainError } from "../chain/errors";
import { swarmMarketAbi } from "../protocol/abi/swarmMarket";
import type { ConsumedStep } from "./consumedStep";

/** The newest block the keeper may act on: head − confirmations, or undefined while the chain is shorter. */
export function safeHead(head: bigint, confirmations: number): bigint | undefined {
  const safe = head - BigInt(confirmations);
  return safe < 0n ? undefined : safe;
}

/** The chain's head block number (a failure is a typed, retryable chain error). */
export async function readHead(client: PublicClient): Promise<bigint> {
  try {
    return await client.getBlockNumber({ cacheTime: 0 });
  } catch (err) {
    throw decodeChainError(err, "reading the head block");
  }
}

/** The hash of block `number`. */
export async function readBlockHash(client: PublicClient, number: bigint): Promise<Hex> {
  try {
    return (await client.getBlock({ blockNumber: number })).hash;
  } catch (err) {
    throw decodeChainError(err, `reading block ${number}`);
  }
}

/** The latest block's timestamp: the clock the market's windows run on. */
export async function readChainTime(client: PublicClient): Promise<bigint> {
  try {
    return (await client.getBlock({ blockTag: "latest" })).timestamp;
  } catch (err) {
    throw decodeChainError(err, "reading the latest block");
  }
}

/** StepConsumed events of the market in [fromBlock, toBlock], in chain order, `maxRange` blocks per request. */
export async function scanConsumed(
  reader: MarketReader,
  fromBlock: bigint,
  toBlock: bigint,
  maxRange: bigint,
): Promise<ConsumedStep[]> {
  const found: ConsumedStep[] = [];
  for (let start = fromBlock; start <= toBlock; start += maxRange) {
    const end = start + maxRange - 1n < toBlock ? start + maxRange - 1n : toBlock;
    let logs;
    try {
      logs = await reader.publicClient.getContractEvents({
        address: reader.market,
        abi: swarmMarketAbi,
        eventName: "StepConsumed",
        fromBlock: start,
        toBlock: end,
        strict: true,
      });
    } catch (err) {
      throw decodeChainError(err, `reading StepConsumed events of blocks ${start}–${end}`);
    }
    for (const log of logs) {
      if (getAddress(log.address) !== getAddress(reader.market) || log.removed) continue;
      found.push({
        entitlementId: log.args.entitlementId,
        step: log.args.step,
        fromStep: log.args.fromStep,
        permitDigest: log.args.permitDigest,
        workerKey: log.args.workerKey,
        runId: log.args.runId,
        runAttempt: log.args.runAttempt,
        blockNumber: log.blockNumber,
        txHash: log.transactionHash,
      });
    }
  }
  return found;
}

/** The StepConsumed event of one step (both ids are indexed), looked up from `fromBlock`; undefined if none. */
export async function findConsumed(
  reader: MarketReader,
  entitlementId: bigint,
  step: number,
  fromBlock: bigint,
): Promise<ConsumedStep | undefined> {
  let logs;
  try {
    logs = await reader.publicClient.getContractEvents({
      address: reader.market,
      abi: swarmMarketAbi,
      eventName: "StepConsumed",
      args: { entitlementId, step },
      fromBlock,
      toBlock: "latest",
      strict: true,
    });
  } catch (err) {
    throw decodeChainError(err, `looking up step ${step} of ${entitlementId}`);
  }
  const log = logs.at(-1);
  if (log === undefined) return undefined;
  return {
    entitlementId: log.args.entitlementId,
    step: log.args.step,
    fromStep: log.args.fromStep,
    permitDigest: log.args.permitDigest,
    workerKey: log.args.workerKey,
    runId: log.args.runId,
    runAttempt: log.args.runAttempt,
    blockNumber: log.blockNumber,
    txHash: log.transactionHash,
  };
}
