import { type Address, type BlockNumber, type Hex, getAddress } from "viem";

import type { MarketReader } from "../chain/clients";
import { decodeChainError } from "../chain/errors";
import { readEntitlement, readOffer, readStep } from "../chain/read";
import type { StepStatus } from "../chain/types";
import { swarmMarketAbi } from "../protocol/abi/swarmMarket";

/** The offer terms a step is checked against. */
export interface OfferFacts {
  readonly offerId: bigint;
  readonly commit: Hex;
  readonly policyHash: Hex;
  readonly gateway: Address;
  readonly allowUnboundRuns: boolean;
}

/** A `StepConsumed` event: what the gateway consumed, where. */
export interface ConsumedFacts {
  readonly step: number;
  readonly fromStep: number;
  readonly permitDigest: Hex;
  readonly workerKey: Hex;
  readonly runId: bigint;
  readonly runAttempt: number;
  readonly blockNumber: bigint;
  readonly txHash: Hex;
}

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
 * its `StepConsumed` event (from `fromBlock`, default 0: pass the market's deploy block). `steps` limits which
 * step records are read (a single step's verification needs its own and its fromStep's).
 */
export async function fetchChainFacts(
  reader: MarketReader,
  chainId: bigint,
  entitlementId: bigint,
  options: { fromBlock?: BlockNumber; steps?: readonly number[] } = {},
): Promise<ChainFacts> {
  const entitlement = await readEntitlement(reader, entitlementId);
  const offer = await readOffer(reader, entitlement.offerId);
  let logs;
  try {
    logs = await reader.publicClient.getContractEvents({
      address: reader.market,
      abi: swarmMarketAbi,
      eventName: "StepConsumed",
      args: { entitlementId },
      fromBlock: options.fromBlock ?? 0n,
      toBlock: "latest",
      strict: true,
    });
  } catch (err) {
    throw decodeChainError(err, "reading StepConsumed logs");
  }
  const consumed = new Map<number, ConsumedFacts>();
  for (const log of logs) {
    if (log.blockNumber === null || log.transactionHash === null) continue;
    const a = log.args;
    consumed.set(a.step, {
      step: a.step,
      fromStep: a.fromStep,
      permitDigest: a.permitDigest,
      workerKey: a.workerKey,
      runId: a.runId,
      runAttempt: a.runAttempt,
      blockNumber: log.blockNumber,
      txHash: log.transactionHash,
    });
  }
  const steps = new Map<number, StepRecord>();
  const wanted = options.steps ?? Array.from({ length: entitlement.consumed }, (_, i) => i + 1);
  for (const step of wanted) {
    if (step < 1 || step > entitlement.consumed) continue;
    const s = await readStep(reader, entitlementId, step);
    steps.set(step, { status: s.status, permitDigestPrefix: s.permitDigestPrefix, certificateHash: s.certificateHash });
  }
  const t = offer.terms;
  return {
    source: "rpc",
    chainId,
    market: getAddress(reader.market),
    entitlementId,
    offer: {
      offerId: offer.offerId,
      commit: t.commit.toLowerCase() as Hex,
      policyHash: t.policyHash.toLowerCase() as Hex,
      gateway: getAddress(t.gateway),
      allowUnboundRuns: t.allowUnboundRuns,
    },
    consumedSteps: entitlement.consumed,
    consumed,
    steps,
  };
}
