import hre from "hardhat";
import { expect } from "chai";
import { erc20Abi, getAddress, parseEventLogs } from "viem";

import { senderFromEthersSigner } from "../../../client/src/chain/sender";
import { getEntitlement, purchase } from "../../../client/src/buyer";
import { PRICE, type MarketFixture, marketFixture, publishOffer } from "../../helpers/market";
import { expectCode, readerOf, writerOf } from "../chain/fixture";

async function tokenOffer(fx: MarketFixture, mint: bigint): Promise<bigint> {
  await fx.token.write.mint([fx.buyer.account!.address, mint]);
  return publishOffer(fx, { token: fx.token.address });
}

describe("client/buyer/purchase", () => {
  it("buys steps with ETH and returns the entitlement from the market's event", async () => {
    const fx = await marketFixture();
    const offerId = await publishOffer(fx);
    const bought = await purchase(writerOf(fx, fx.buyer), { offerId, steps: 3 });
    expect(bought.amount).to.equal(3n * PRICE);
    expect(bought.approvalTxHash).to.equal(undefined);
    const e = await getEntitlement(readerOf(fx), bought.entitlementId);
    expect([e.offerId, e.buyer, e.bought, e.consumed, e.permitSigner]).to.deep.equal([
      offerId,
      getAddress(fx.buyer.account!.address),
      3,
      0,
      undefined,
    ]);
  });

  it("buys with an ERC-20 after approving exactly the price of the steps, no more", async () => {
    const fx = await marketFixture();
    const offerId = await tokenOffer(fx, 10n * PRICE);
    const bought = await purchase(writerOf(fx, fx.buyer), { offerId, steps: 3 });
    expect(bought.approvalTxHash).to.be.a("string");
    const approval = await fx.publicClient.getTransactionReceipt({ hash: bought.approvalTxHash! });
    const [event] = parseEventLogs({ abi: erc20Abi, logs: approval.logs, eventName: "Approval" });
    expect(event!.args.value).to.equal(3n * PRICE);
    expect(await fx.token.read.allowance([fx.buyer.account!.address, fx.market.address])).to.equal(0n);
    expect(await fx.token.read.balanceOf([fx.market.address])).to.equal(3n * PRICE);
  });

  it("leaves an allowance that already covers the purchase alone instead of approving again", async () => {
    const fx = await marketFixture();
    const offerId = await tokenOffer(fx, 10n * PRICE);
    await fx.token.write.approve([fx.market.address, 5n * PRICE], { account: fx.buyer.account! });
    const bought = await purchase(writerOf(fx, fx.buyer), { offerId, steps: 2 });
    expect(bought.approvalTxHash).to.equal(undefined);
    expect(await fx.token.read.allowance([fx.buyer.account!.address, fx.market.address])).to.equal(3n * PRICE);
  });

  it("refuses an ERC-20 purchase the buyer cannot pay, before approving anything", async () => {
    const fx = await marketFixture();
    const offerId = await tokenOffer(fx, PRICE);
    const err = await expectCode(purchase(writerOf(fx, fx.buyer), { offerId, steps: 2 }), "BUYER_INSUFFICIENT_BALANCE");
    expect(err.message).to.contain(`at least ${2n * PRICE}, got ${PRICE}`);
    expect(await fx.token.read.allowance([fx.buyer.account!.address, fx.market.address])).to.equal(0n);
  });

  it("refuses an ETH purchase above the buyer's balance before sending it", async () => {
    const fx = await marketFixture();
    const offerId = await publishOffer(fx, { pricePerStep: 10n ** 22n }); // 10,000 ETH a step
    await expectCode(purchase(writerOf(fx, fx.buyer), { offerId, steps: 2 }), "BUYER_INSUFFICIENT_BALANCE");
    expect(await fx.market.read.entitlementCount()).to.equal(0n);
  });

  it("refuses to buy from a retired offer (MARKET_OFFER_IS_RETIRED)", async () => {
    const fx = await marketFixture();
    const offerId = await publishOffer(fx);
    await fx.market.write.retire([offerId], { account: fx.seller.account! });
    await expectCode(purchase(writerOf(fx, fx.buyer), { offerId, steps: 1 }), "MARKET_OFFER_IS_RETIRED");
  });

  it("refuses more steps than the offer's maxSteps (MARKET_INVALID_STEP_COUNT)", async () => {
    const fx = await marketFixture();
    const offerId = await publishOffer(fx, { maxSteps: 2 });
    const err = await expectCode(purchase(writerOf(fx, fx.buyer), { offerId, steps: 3 }), "MARKET_INVALID_STEP_COUNT");
    expect(err.message).to.equal("InvalidStepCount(steps=3, maxSteps=2)");
  });

  it("sets a delegate permit signer at purchase, and buys through an ethers sender", async () => {
    const fx = await marketFixture();
    const offerId = await publishOffer(fx);
    const [, , ethersBuyer] = await hre.ethers.getSigners();
    const delegate = getAddress(fx.delegate.account!.address);
    const bought = await purchase(writerOf(fx, await senderFromEthersSigner(ethersBuyer!)), {
      offerId,
      steps: 1,
      permitSigner: delegate,
    });
    const e = await getEntitlement(readerOf(fx), bought.entitlementId);
    expect([e.buyer, e.permitSigner, e.signer]).to.deep.equal([
      getAddress(fx.buyer.account!.address),
      delegate,
      delegate,
    ]);
  });
});
