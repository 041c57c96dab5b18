import { expect } from "chai";
import hre from "hardhat";
import { type Hex, createPublicClient, http } from "viem";

import { type StepPermit, marketDomain } from "../../../client/src/protocol/eip712";
import { createMarketReader } from "../../../gateway/src/chain/marketReader";
import { type PermitConsumer, createPermitConsumer } from "../../../gateway/src/chain/permitConsumer";
import { GatewayError } from "../../../gateway/src/errors";
import { freePort } from "../../../devnet/hardhatNode";
import {
  type MarketFixture,
  marketFixture,
  nextPermit,
  publishOffer,
  purchaseEth,
  signPermit,
} from "../../helpers/market";

async function rejection(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
  throw new Error("expected a GatewayError");
}

function consumerFor(fx: MarketFixture, overrides: { maxBatch?: number } = {}): PermitConsumer {
  return createPermitConsumer({
    publicClient: fx.publicClient,
    walletClient: fx.gateway,
    market: fx.market.address,
    confirmations: 1,
    maxBatch: overrides.maxBatch ?? 32,
    maxInFlight: 2,
    domain: marketDomain(fx.chainId, fx.market.address),
  });
}

async function signedPermits(fx: MarketFixture, count: number): Promise<{ permit: StepPermit; signature: Hex }[]> {
  const offer = await publishOffer(fx);
  const out = [];
  for (let i = 0; i < count; i++) {
    const id = await purchaseEth(fx, offer, 2);
    const permit = await nextPermit(fx, id);
    out.push({ permit, signature: await signPermit(fx, fx.buyer, permit) });
  }
  return out;
}

describe("gateway/chain/permitConsumer", () => {
  it("consumes permits that arrive together in one batch transaction", async () => {
    const fx = await marketFixture();
    const items = await signedPermits(fx, 5);
    const consumer = consumerFor(fx);
    const results = await Promise.all(items.map((i) => consumer.consume(i.permit, i.signature)));
    expect(new Set(results.map((r) => r.transactionHash)).size).to.equal(1);
    for (const [k, r] of results.entries()) {
      expect(r.permitDigest).to.equal(await fx.market.read.hashStepPermit([items[k]!.permit]));
      const step = await fx.market.read.getStep([items[k]!.permit.entitlementId, 1]);
      expect(step.status).to.equal(1);
      expect(BigInt(step.consumedAt)).to.equal(r.consumedAt);
    }
  });

  it("refuses only the hostile wallet's permit in a batch and consumes the rest", async () => {
    const fx = await marketFixture();
    const items = await signedPermits(fx, 2);
    const wallet = await hre.viem.deployContract("Wallet1271", [fx.delegate.account!.address, 3]); // BurnGas
    const hostileId = await purchaseEth(fx, await publishOffer(fx), 1, { signer: wallet.address });
    const hostile = await nextPermit(fx, hostileId);
    const consumer = consumerFor(fx);
    const [a, bad, b] = await Promise.allSettled([
      consumer.consume(items[0]!.permit, items[0]!.signature),
      consumer.consume(hostile, await signPermit(fx, fx.delegate, hostile)),
      consumer.consume(items[1]!.permit, items[1]!.signature),
    ]);
    expect(a.status).to.equal("fulfilled");
    expect(b.status).to.equal("fulfilled");
    expect(bad.status).to.equal("rejected");
    const reason = (bad as PromiseRejectedResult).reason as GatewayError;
    expect(reason.code).to.equal("PERMIT_NOT_CONSUMED");
    expect(reason.message).to.contain("InvalidPermitSignature");
    expect((await fx.market.read.getStep([hostileId, 1])).status).to.equal(0);
  });

  it("consumes one of two permits racing for the same step and refuses the other", async () => {
    const fx = await marketFixture();
    const [item] = await signedPermits(fx, 1);
    const twin = { ...item!.permit, workerKey: `0x${"ab".repeat(32)}` as Hex };
    const twinSignature = await signPermit(fx, fx.buyer, twin);
    const consumer = consumerFor(fx);
    const outcomes = await Promise.allSettled([
      consumer.consume(item!.permit, item!.signature),
      consumer.consume(twin, twinSignature),
    ]);
    const fulfilled = outcomes.filter((o) => o.status === "fulfilled");
    const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    expect(fulfilled).to.have.length(1);
    expect(rejected).to.have.length(1);
    expect((rejected[0]!.reason as GatewayError).code).to.equal("PERMIT_NOT_CONSUMED");
  });

  it("reports CHAIN_UNAVAILABLE and consumes nothing when the node is down", async () => {
    const fx = await marketFixture();
    const [item] = await signedPermits(fx, 1);
    const down = createPublicClient({
      chain: fx.publicClient.chain,
      transport: http(`http://127.0.0.1:${await freePort()}`, { retryCount: 0 }),
    });
    const consumer = createPermitConsumer({
      publicClient: down,
      walletClient: fx.gateway,
      market: fx.market.address,
      confirmations: 1,
      maxBatch: 8,
      maxInFlight: 1,
      domain: marketDomain(fx.chainId, fx.market.address),
    });
    const err = await rejection(consumer.consume(item!.permit, item!.signature));
    expect([err.code, err.status]).to.deep.equal(["CHAIN_UNAVAILABLE", 503]);
    expect((await fx.market.read.getStep([item!.permit.entitlementId, 1])).status).to.equal(0);
  });
});

describe("gateway/chain/marketReader", () => {
  it("reads offer terms, entitlement counters, the purchase block and the StepConsumed event", async () => {
    const fx = await marketFixture();
    const [item] = await signedPermits(fx, 1);
    const reader = createMarketReader(fx.publicClient, fx.market.address, 0n);
    const id = item!.permit.entitlementId;
    const before = await reader.entitlement(id);
    expect([before.bought, before.consumed]).to.deep.equal([2, 0]);
    expect(before.signer).to.equal(before.buyer);
    expect(before.purchaseBlock > 0n).to.equal(true);
    const offer = await reader.offer(before.offerId);
    expect(offer.commit).to.equal(item!.permit.commit.toLowerCase());
    expect(await reader.consumedEvent(id, 1)).to.equal(undefined);
    await consumerFor(fx).consume(item!.permit, item!.signature);
    const event = await reader.consumedEvent(id, 1);
    expect(event?.workerKey).to.equal(item!.permit.workerKey);
    expect((await reader.entitlement(id)).consumed).to.equal(1);
  });

  it("refuses an entitlement that does not exist with ENTITLEMENT_UNKNOWN", async () => {
    const fx = await marketFixture();
    const reader = createMarketReader(fx.publicClient, fx.market.address, 0n);
    const err = await rejection(reader.entitlement(999n));
    expect([err.code, err.status]).to.deep.equal(["ENTITLEMENT_UNKNOWN", 403]);
  });
});
