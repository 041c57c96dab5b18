import { type Address, type BlockNumber, type Hex, getAddress } from "viem";

import type { MarketReader } from "../chain/clients";
import { readEntitlement, readOffer, readStep } from "../chain/read";
import {
  DEFAULT_LOG_BLOCK_RANGE,
  type StepConsumedEvent,
  readHeadBlock,
  readStepConsumed,
} from "../chain/stepConsumed";
import type { Offer, StepStatus } from "../chain/types";
import type { ChainFactsCache } from "./chainFactsCache";

/** The offer terms a step is checked against. */
export interface OfferFacts {
  readonly offerId: bigint;
  readonly commit: Hex;
  readonly policyHash: Hex;
  readonly gateway: Address;
  readonly allowUnboundRuns: boolean;
}

/** A `StepConsumed` event of the entitlement being verified: what the gateway consumed, where. */
export type ConsumedFacts = Omit<StepConsumedEvent, "entitlementId">;

/** A step's on-chain record (RPC only). */
export interface StepRecord {
  readonly status: StepStatus;
  readonly permitDigestPrefix: Hex;
  readonly certificateHash: Hex;
}

/**
 * The chain facts of one entitlement, fetched before verification so that verifying is not reading the chain.
 * `source` is `rpc` (read now from a node) or `recorded` (from evidence files: the checks run against them, and
 * the chain layer is reported unchecked).
 */
export interface ChainFacts {
  readonly source: "rpc" | "recorded";
  readonly chainId: bigint;
  readonly market: Address;
  readonly entitlementId: bigint;
  readonly offer: OfferFacts;
  /** Steps consumed on-chain (RPC: the entitlement's counter). */
  readonly consumedSteps: number;
  readonly consumed: ReadonlyMap<number, ConsumedFacts>;
  /** On-chain step records (empty when recorded). */
  readonly steps: ReadonlyMap<number, StepRecord>;
}

/**
 * Reads an entitlement's chain facts from an RPC: the entitlement, its offer, every consumed step's record and
 * its `StepConsumed` event (from `fromBlock` to the head read now, `maxBlockRange` blocks per request; `fromBlock`
 * defaults to 0: pass the market's deploy block). `steps` limits which
 * step records are read (a single step's verification needs its own and its fromStep's). With a `cache`, final
 * events and offer terms are taken from it and the log scan starts after the last final block it covers
 * (chainFactsCache.ts says what is cached and why that is safe); the entitlement and step records are always read.
 */
export async function fetchChainFacts(
  reader: MarketReader,
  chainId: bigint,
  entitlementId: bigint,
  options: {
    fromBlock?: BlockNumber;
    steps?: readonly number[];
    cache?: ChainFactsCache;
    /** Blocks per getLogs request (default DEFAULT_LOG_BLOCK_RANGE). */
    maxBlockRange?: bigint;
  } = {},
): Promise<ChainFacts> {
  const cache = options.cache;
  const scope = `${chainId}/${reader.market.toLowerCase()}`;
  const fromBlock = options.fromBlock ?? 0n;
  const entitlement = await readEntitlement(reader, entitlementId);
  const offer = cache?.offer(scope, entitlement.offerId) ?? offerFactsOf(await readOffer(reader, entitlement.offerId));
  const known = cache?.knownConsumed(scope, fromBlock, entitlementId);
  const consumed = new Map<number, ConsumedFacts>(known?.events ?? []);
  const scannedFrom = known?.nextBlock ?? fromBlock;
  const head = await readHeadBlock(reader.publicClient);
  const maxRange = options.maxBlockRange ?? DEFAULT_LOG_BLOCK_RANGE;
  const events = await readStepConsumed(reader, { entitlementId, fromBlock: scannedFrom, toBlock: head, maxRange });
  const found = events.map(consumedFactsOf);
  for (const event of found) consumed.set(event.step, event);
  if (cache !== undefined) {
    const finalTo = head - cache.finalityDepth;
    cache.rememberConsumed(scope, fromBlock, entitlementId, { scannedFrom, finalTo, events: found });
    if ([...consumed.values()].some((e) => e.blockNumber <= finalTo)) cache.rememberOffer(scope, offer);
  }
  const steps = new Map<number, StepRecord>();
  const wanted = options.steps ?? Array.from({ length: entitlement.consumed }, (_, i) => i + 1);
  for (const step of wanted) {
    if (step < 1 || step > entitlement.consumed) continue;
    const s = await readStep(reader, entitlementId, step);
    steps.set(step, { status: s.status, permitDigestPrefix: s.permitDigestPrefix, certificateHash: s.certificateHash });
  }
  return {
    source: "rpc",
    chainId,
    market: getAddress(reader.market),
    entitlementId,
    offer,
    consumedSteps: entitlement.consumed,
    consumed,
    steps,
  };
}

function offerFactsOf(offer: Offer): OfferFacts {
  const t = offer.terms;
  return {
    offerId: offer.offerId,
    commit: t.commit.toLowerCase() as Hex,
    policyHash: t.policyHash.toLowerCase() as Hex,
    gateway: getAddress(t.gateway),
    allowUnboundRuns: t.allowUnboundRuns,
  };
}

/** A StepConsumed event without its entitlement id (the facts are one entitlement's). */
function consumedFactsOf(e: StepConsumedEvent): ConsumedFacts {
  return {
    step: e.step,
    fromStep: e.fromStep,
    permitDigest: e.permitDigest,
    workerKey: e.workerKey,
    runId: e.runId,
    runAttempt: e.runAttempt,
    blockNumber: e.blockNumber,
    txHash: e.txHash,
  };
}
