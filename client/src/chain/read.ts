/** Typed reads of the market, each failure a typed error (`MARKET_UNKNOWN_OFFER`, `CHAIN_CALL_FAILED`, ...). */
import { type Address, getAddress, zeroAddress } from "viem";

import { swarmMarketAbi } from "../protocol/abi/swarmMarket";
import type { MarketReader } from "./clients";
import { decodeChainError } from "./errors";
import { type Entitlement, type Offer, STEP_STATUSES, type StepState, type TermBounds } from "./types";

async function guarded<T>(action: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    throw decodeChainError(err, action);
  }
}

/** Reads an offer (`MARKET_UNKNOWN_OFFER` if there is none). */
export async function readOffer(reader: MarketReader, offerId: bigint): Promise<Offer> {
  const o = await guarded(`reading offer ${offerId}`, () =>
    reader.publicClient.readContract({
      address: reader.market,
      abi: swarmMarketAbi,
      functionName: "getOffer",
      args: [offerId],
    }),
  );
  return {
    offerId,
    seller: getAddress(o.seller),
    retired: o.retired,
    termsHash: o.termsHash,
    terms: { ...o.terms, verifiers: [...o.terms.verifiers] },
  };
}

/** Reads an entitlement (`MARKET_UNKNOWN_ENTITLEMENT` if there is none). */
export async function readEntitlement(reader: MarketReader, entitlementId: bigint): Promise<Entitlement> {
  const e = await guarded(`reading entitlement ${entitlementId}`, () =>
    reader.publicClient.readContract({
      address: reader.market,
      abi: swarmMarketAbi,
      functionName: "getEntitlement",
      args: [entitlementId],
    }),
  );
  const permitSigner = e.permitSigner === zeroAddress ? undefined : getAddress(e.permitSigner);
  return {
    entitlementId,
    offerId: e.offerId,
    buyer: getAddress(e.buyer),
    permitSigner,
    signer: permitSigner ?? getAddress(e.buyer),
    bought: e.bought,
    consumed: e.consumed,
    maxFromStep: e.maxFromStep,
  };
}

/** Reads one step of an entitlement. */
export async function readStep(reader: MarketReader, entitlementId: bigint, step: number): Promise<StepState> {
  const s = await guarded(`reading step ${step} of entitlement ${entitlementId}`, () =>
    reader.publicClient.readContract({
      address: reader.market,
      abi: swarmMarketAbi,
      functionName: "getStep",
      args: [entitlementId, step],
    }),
  );
  return {
    status: STEP_STATUSES[s.status] ?? "None",
    consumedAt: BigInt(s.consumedAt),
    claimedAt: BigInt(s.claimedAt),
    disputedAt: BigInt(s.disputedAt),
    permitDigestPrefix: s.permitDigestPrefix,
    certificateHash: s.certificateHash,
  };
}

/** Reads the market's deploy-time term bounds. */
export async function readTermBounds(reader: MarketReader): Promise<TermBounds> {
  return guarded("reading the term bounds", () =>
    reader.publicClient.readContract({ address: reader.market, abi: swarmMarketAbi, functionName: "termBounds" }),
  );
}

/** Whether the market's payment allowlist (fixed at deploy) holds `token` (zero = native ETH). */
export async function readIsAllowedToken(reader: MarketReader, token: Address): Promise<boolean> {
  return guarded(`reading the allowlist for ${token}`, () =>
    reader.publicClient.readContract({
      address: reader.market,
      abi: swarmMarketAbi,
      functionName: "isAllowedToken",
      args: [token],
    }),
  );
}

/** The account's withdrawable credit in `token` (zero = native ETH). */
export async function readCredit(reader: MarketReader, token: Address, account: Address): Promise<bigint> {
  return guarded(`reading the credit of ${account}`, () =>
    reader.publicClient.readContract({
      address: reader.market,
      abi: swarmMarketAbi,
      functionName: "creditOf",
      args: [token, account],
    }),
  );
}

/** The chain id of the reader's public client. */
export async function readChainId(reader: MarketReader): Promise<number> {
  return guarded("reading the chain id", () => reader.publicClient.getChainId());
}
