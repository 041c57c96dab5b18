import { type Address, type Hex, type PublicClient, getAbiItem, getAddress } from "viem";

import { swarmMarketAbi } from "../../../client/src/protocol/abi/swarmMarket";
import { GatewayError } from "../errors";
import { contractRevert, withChain } from "./rpc";

/** An offer's terms as the gateway needs them. Offers are immutable but for `retired`. */
export interface OfferFacts {
  offerId: bigint;
  seller: Address;
  gateway: Address;
  commit: Hex;
  policyHash: Hex;
  stepTimeout: number;
  allowUnboundRuns: boolean;
}

/** An entitlement's state at the block read, plus the block it was bought in (which picks the secret version). */
export interface EntitlementFacts {
  entitlementId: bigint;
  offerId: bigint;
  buyer: Address;
  /** The address whose signature permits need: the delegate when one is set, else the buyer. */
  signer: Address;
  bought: number;
  consumed: number;
  purchaseBlock: bigint;
}

/** A step as recorded on-chain. Status numbers follow the contract: 1 Consumed … 4 Settled, 5 Refunded. */
export interface StepFacts {
  status: number;
  consumedAt: bigint;
  permitDigestPrefix: Hex;
}

/** A StepConsumed event: what the chain says a consumed permit bound. */
export interface ConsumedEvent {
  entitlementId: bigint;
  step: number;
  fromStep: number;
  permitDigest: Hex;
  workerKey: Hex;
  runId: bigint;
  runAttempt: number;
  blockNumber: bigint;
  transactionHash: Hex;
}

/** The market facts the gateway reads, behind one interface so tests and other chains can supply them. */
export interface MarketReader {
  offer(offerId: bigint): Promise<OfferFacts>;
  entitlement(entitlementId: bigint): Promise<EntitlementFacts>;
  step(entitlementId: bigint, step: number): Promise<StepFacts>;
  consumedEvent(entitlementId: bigint, step: number): Promise<ConsumedEvent | undefined>;
}

const purchasedEvent = getAbiItem({ abi: swarmMarketAbi, name: "EntitlementPurchased" });
const consumedEventAbi = getAbiItem({ abi: swarmMarketAbi, name: "StepConsumed" });

/** Reads the market through a viem public client, caching what cannot change (offer terms, purchase blocks). */
export function createMarketReader(client: PublicClient, market: Address, fromBlock: bigint): MarketReader {
  const offers = new Map<bigint, OfferFacts>();
  const purchaseBlocks = new Map<bigint, bigint>();
  const read = { address: market, abi: swarmMarketAbi } as const;

  return {
    async offer(offerId) {
      const cached = offers.get(offerId);
      if (cached) return cached;
      const o = await withChain("offer", () =>
        client.readContract({ ...read, functionName: "getOffer", args: [offerId] }),
      );
      const facts: OfferFacts = {
        offerId,
        seller: getAddress(o.seller),
        gateway: getAddress(o.terms.gateway),
        commit: o.terms.commit.toLowerCase() as Hex,
        policyHash: o.terms.policyHash.toLowerCase() as Hex,
        stepTimeout: o.terms.stepTimeout,
        allowUnboundRuns: o.terms.allowUnboundRuns,
      };
      offers.set(offerId, facts);
      return facts;
    },

    async entitlement(entitlementId) {
      // One read: the market itself refuses an unknown id (UnknownEntitlement), so no count is read first.
      const e = await withChain("entitlement", () =>
        client.readContract({ ...read, functionName: "getEntitlement", args: [entitlementId] }),
      ).catch((err: unknown) => {
        if (contractRevert(err)?.errorName === "UnknownEntitlement") {
          throw new GatewayError("ENTITLEMENT_UNKNOWN", 403, `expected an existing entitlement, got ${entitlementId}`);
        }
        throw err;
      });
      return {
        entitlementId,
        offerId: e.offerId,
        buyer: getAddress(e.buyer),
        signer: getAddress(e.permitSigner === "0x0000000000000000000000000000000000000000" ? e.buyer : e.permitSigner),
        bought: e.bought,
        consumed: e.consumed,
        purchaseBlock: await purchaseBlock(entitlementId),
      };
    },

    async step(entitlementId, step) {
      const s = await withChain("step", () =>
        client.readContract({ ...read, functionName: "getStep", args: [entitlementId, step] }),
      );
      return { status: s.status, consumedAt: BigInt(s.consumedAt), permitDigestPrefix: s.permitDigestPrefix };
    },

    async consumedEvent(entitlementId, step) {
      const logs = await withChain("StepConsumed events", () =>
        client.getLogs({
          address: market,
          event: consumedEventAbi,
          args: { entitlementId, step },
          fromBlock,
          strict: true,
        }),
      );
      const log = logs[0];
      if (!log) return undefined;
      return {
        entitlementId: log.args.entitlementId,
        step: log.args.step,
        fromStep: log.args.fromStep,
        permitDigest: log.args.permitDigest,
        workerKey: log.args.workerKey,
        runId: log.args.runId,
        runAttempt: log.args.runAttempt,
        blockNumber: log.blockNumber,
        transactionHash: log.transactionHash,
      };
    },
  };

  async function purchaseBlock(entitlementId: bigint): Promise<bigint> {
    const cached = purchaseBlocks.get(entitlementId);
    if (cached !== undefined) return cached;
    const logs = await withChain("EntitlementPurchased events", () =>
      client.getLogs({ address: market, event: purchasedEvent, args: { entitlementId }, fromBlock, strict: true }),
    );
    const block = logs[0]?.blockNumber;
    if (block === undefined) {
      throw new GatewayError("CHAIN_UNAVAILABLE", 503, `no purchase event found for entitlement ${entitlementId}`);
    }
    purchaseBlocks.set(entitlementId, block);
    return block;
  }
}
