import { time } from "@nomicfoundation/hardhat-network-helpers";
import { type Address, type Hex, type WalletClient, getAddress, hashTypedData, maxUint256 } from "viem";

import { marketDomain, stepPermitTypes, type StepPermit } from "../../../client/src/protocol/eip712";
import {
  DEFAULT_BOUNDS,
  type MarketFixture,
  type OfferTermsInput,
  deployMarket,
  offerTerms,
} from "../../helpers/market";
import { MarketModel, type OfferModel, type Revert } from "./marketModel";
import { revertOf } from "../../helpers/errors";

/** An offer under test with the verifier wallets that can sign its attestations. */
export interface OfferUnderTest {
  model: OfferModel;
  verifiers: WalletClient[];
}

/** The reference model's view of published terms. */
function offerModel(id: bigint, seller: Address, t: OfferTermsInput): OfferModel {
  return {
    id,
    seller,
    gateway: getAddress(t.gateway),
    arbiter: getAddress(t.arbiter),
    token: getAddress(t.token),
    price: t.pricePerStep,
    bond: t.disputeBond,
    maxSteps: t.maxSteps,
    stepTimeout: BigInt(t.stepTimeout),
    disputeWindow: BigInt(t.disputeWindow),
    arbiterTimeout: BigInt(t.arbiterTimeout),
    quorum: t.quorum,
    commit: t.commit,
    policyHash: t.policyHash,
  };
}

/**
 * The market with two offers and both buyers funded: ETH with 2-of-3 verifiers, and the ERC-20 with 1-of-1 and
 * other prices and windows, so that a mix-up between the offers shows.
 */
export async function modelMarketFixture() {
  const fx = await deployMarket();
  const address = (w: WalletClient) => getAddress(w.account!.address);
  for (const buyer of [fx.buyer, fx.other]) {
    await fx.token.write.mint([address(buyer), 10n ** 30n]);
    await fx.token.write.approve([fx.market.address, maxUint256], { account: buyer.account! });
  }
  const v = fx.verifierWallets;
  const offers: { terms: OfferTermsInput; verifiers: WalletClient[] }[] = [
    {
      // The helper's defaults: 0.01 ETH a step, 0.002 ETH bond, windows of 1, 2 and 3 hours.
      terms: offerTerms(fx, { quorum: 2, verifiers: [v[0]!, v[1]!, v[2]!].map(address) }),
      verifiers: [v[0]!, v[1]!, v[2]!],
    },
    {
      terms: offerTerms(fx, {
        token: getAddress(fx.token.address),
        pricePerStep: 7_000_000n,
        disputeBond: 3_000_000n,
        stepTimeout: 1800,
        disputeWindow: DEFAULT_BOUNDS.minDisputeWindow,
        arbiterTimeout: 5400,
        quorum: 1,
        verifiers: [address(v[3]!)],
      }),
      verifiers: [v[3]!],
    },
  ];
  const published: OfferUnderTest[] = [];
  for (const { terms, verifiers } of offers) {
    await fx.market.write.publish([terms], { account: fx.seller.account! });
    const id = await fx.market.read.offerCount();
    published.push({ model: offerModel(id, address(fx.seller), terms), verifiers });
  }
  return { ...fx, offers: published };
}

export type ModelFixture = Awaited<ReturnType<typeof modelMarketFixture>>;

/** The system under test, plus what the invariants remember between commands. */
export interface World {
  fx: ModelFixture;
  /** Last chain-observed entitlement counters and step records, to check that nothing moves backwards. */
  observed: Map<string, readonly bigint[]>;
  /** How often each command ended each way, across all runs; see the coverage check. */
  coverage: Map<string, number>;
}

/** A fresh model for a fixture just loaded. */
export async function initialModel(fx: ModelFixture): Promise<MarketModel> {
  const domain = marketDomain(fx.chainId, fx.market.address);
  const hashPermit = (message: StepPermit) =>
    hashTypedData({ domain, types: stepPermitTypes, primaryType: "StepPermit", message });
  return new MarketModel(
    fx.offers.map((o) => o.model),
    BigInt(await time.latest()),
    hashPermit,
  );
}

/** The wallet of an account by address. */
export function walletOf(fx: MarketFixture, account: Address): WalletClient {
  const all = [fx.owner, fx.seller, fx.buyer, fx.gateway, fx.arbiter, fx.keeper, fx.other, fx.delegate];
  const w = all.find((x) => getAddress(x.account!.address) === account);
  if (!w) throw new Error(`no wallet for ${account}`);
  return w;
}

/** Every account that could ever hold a credit, checksummed. */
export function accountsOf(fx: MarketFixture): Address[] {
  return [fx.owner, fx.seller, fx.buyer, fx.gateway, fx.arbiter, fx.keeper, fx.other].map((w) =>
    getAddress(w.account!.address),
  );
}

/** How a transaction ended on chain, with the timestamp of the block it ran in. */
export type TxResult = { ok: true; ts: bigint } | { ok: false; revert: Revert; ts: bigint };

/** The custom error carried by a failed write, decoded against the market's ABI. */
function decodeRevert(err: unknown): Revert {
  const { errorName, args } = revertOf(err);
  return { name: errorName, args };
}

/**
 * Sends a write in a block with timestamp `ts`, so that the model can predict every window, and reports how it
 * ended. Under automine a reverted transaction is mined too, in a block with that timestamp.
 */
export async function sendAt(fx: ModelFixture, ts: bigint, write: () => Promise<Hex>): Promise<TxResult> {
  await time.setNextBlockTimestamp(ts);
  let hash: Hex;
  try {
    hash = await write();
  } catch (err) {
    return { ok: false, revert: decodeRevert(err), ts: BigInt(await time.latest()) };
  }
  const receipt = await fx.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} ${receipt.status} without an error`);
  const block = await fx.publicClient.getBlock({ blockNumber: receipt.blockNumber });
  return { ok: true, ts: block.timestamp };
}
