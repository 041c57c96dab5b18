/** Reading the market's StepConsumed events, only from blocks at least `confirmations` deep. */
import type { Hex, PublicClient } from "viem";

import type { MarketReader } from "../chain/clients";
import { decodeChainError } from "../chain/errors";
import { DEFAULT_LOG_BLOCK_RANGE, readHeadBlock, readStepConsumed } from "../chain/stepConsumed";
import type { ConsumedStep } from "./consumedStep";

/** The newest block the keeper may act on: head − confirmations, or undefined while the chain is shorter. */
export function safeHead(head: bigint, confirmations: number): bigint | undefined {
  const safe = head - BigInt(confirmations);
  return safe < 0n ? undefined : safe;
}

/** The chain's head block number (a failure is a typed, retryable chain error). */
export function readHead(client: PublicClient): Promise<bigint> {
  return readHeadBlock(client);
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
export function scanConsumed(
  reader: MarketReader,
  fromBlock: bigint,
  toBlock: bigint,
  maxRange: bigint,
): Promise<ConsumedStep[]> {
  return readStepConsumed(reader, { fromBlock, toBlock, maxRange });
}

/**
 * The StepConsumed event of one step (both ids are indexed), looked up in [fromBlock, head], `maxRange` blocks per
 * request; undefined if none. Pass the market's deploy block (or the keeper's start block), not 0.
 */
export async function findConsumed(
  reader: MarketReader,
  entitlementId: bigint,
  step: number,
  fromBlock: bigint,
  maxRange: bigint = DEFAULT_LOG_BLOCK_RANGE,
): Promise<ConsumedStep | undefined> {
  return (await readStepConsumed(reader, { entitlementId, step, fromBlock, maxRange })).at(-1);
}
