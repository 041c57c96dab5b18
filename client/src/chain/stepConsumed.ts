/**
 * The one reader of the market's `StepConsumed` events, shared by the keeper and the verifier. Public RPCs cap the
 * block range of `eth_getLogs`, so a range is read `maxRange` blocks per request. What the node returns is not
 * trusted: logs must decode strictly against the ABI, and a removed (reorged) log, a log of another address, a log
 * outside the block range asked for, a pending log or one whose indexed ids differ from the filter is skipped.
 */
import { type Hex, type PublicClient, isAddressEqual } from "viem";

import { swarmMarketAbi } from "../protocol/abi/swarmMarket";
import type { MarketReader } from "./clients";
import { decodeChainError } from "./errors";

/** A `StepConsumed` event: the step, the permit fields the event carries, and where it was mined. */
export interface StepConsumedEvent {
  readonly entitlementId: bigint;
  readonly step: number;
  readonly fromStep: number;
  readonly permitDigest: Hex;
  readonly workerKey: Hex;
  readonly runId: bigint;
  readonly runAttempt: number;
  readonly blockNumber: bigint;
  readonly txHash: Hex;
}

/** Blocks per `eth_getLogs` request unless told otherwise: within what common public RPCs accept. */
export const DEFAULT_LOG_BLOCK_RANGE = 10_000n;

/** Which StepConsumed events to read. */
export interface StepConsumedQuery {
  /** Only this entitlement's events (an indexed topic: filtered by the node, checked again here). */
  readonly entitlementId?: bigint;
  /** Only this step's events (indexed too). */
  readonly step?: number;
  readonly fromBlock: bigint;
  /** The last block read (inclusive; default: the head, read now). */
  readonly toBlock?: bigint;
  /** Blocks per request (default DEFAULT_LOG_BLOCK_RANGE). */
  readonly maxRange?: bigint;
}

/** The chain's head block number, read now (viem's block-number cache bypassed: a stale head hides new events). */
export async function readHeadBlock(client: PublicClient): Promise<bigint> {
  try {
    return await client.getBlockNumber({ cacheTime: 0 });
  } catch (err) {
    throw decodeChainError(err, "reading the head block");
  }
}

/** The market's StepConsumed events in `[fromBlock, toBlock]` matching the query, in chain order. */
export async function readStepConsumed(reader: MarketReader, query: StepConsumedQuery): Promise<StepConsumedEvent[]> {
  const maxRange = query.maxRange ?? DEFAULT_LOG_BLOCK_RANGE;
  if (maxRange < 1n) throw new RangeError("maxRange must be at least one block");
  if (query.fromBlock < 0n) throw new RangeError("fromBlock must not be negative");
  const toBlock = query.toBlock ?? (await readHeadBlock(reader.publicClient));
  const found: StepConsumedEvent[] = [];
  for (let start = query.fromBlock; start <= toBlock; start += maxRange) {
    const end = start + maxRange - 1n < toBlock ? start + maxRange - 1n : toBlock;
    found.push(...(await readChunk(reader, query, start, end)));
  }
  return found;
}

/** One `eth_getLogs` request over `[start, end]`, its logs checked and mapped. */
async function readChunk(
  reader: MarketReader,
  query: StepConsumedQuery,
  start: bigint,
  end: bigint,
): Promise<StepConsumedEvent[]> {
  let logs;
  try {
    logs = await reader.publicClient.getContractEvents({
      address: reader.market,
      abi: swarmMarketAbi,
      eventName: "StepConsumed",
      args: { entitlementId: query.entitlementId ?? null, step: query.step ?? null },
      fromBlock: start,
      toBlock: end,
      strict: true,
    });
  } catch (err) {
    throw decodeChainError(err, `reading StepConsumed events of blocks ${start}–${end}`);
  }
  const out: StepConsumedEvent[] = [];
  for (const log of logs) {
    // Typed as mined, but a node's answer is outside input: checked, not assumed.
    const blockNumber = log.blockNumber as bigint | null;
    const txHash = log.transactionHash as Hex | null;
    if (log.removed || !isAddressEqual(log.address, reader.market)) continue;
    if (blockNumber === null || txHash === null || blockNumber < start || blockNumber > end) continue;
    const a = log.args;
    if (query.entitlementId !== undefined && a.entitlementId !== query.entitlementId) continue;
    if (query.step !== undefined && a.step !== query.step) continue;
    out.push({
      entitlementId: a.entitlementId,
      step: a.step,
      fromStep: a.fromStep,
      permitDigest: a.permitDigest,
      workerKey: a.workerKey,
      runId: a.runId,
      runAttempt: a.runAttempt,
      blockNumber,
      txHash,
    });
  }
  return out;
}
