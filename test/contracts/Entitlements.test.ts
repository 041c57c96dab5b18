import hre from "hardhat";
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { type Hash, getAddress, parseEventLogs, zeroAddress } from "viem";

import {
  DEFAULT_BOUNDS,
  type MarketFixture,
  PRICE,
  consumeNext,
  deployMarket,
  nextPermit,
  offerTerms,
  publishOffer,
  purchaseEth,
  signPermit,
} from "../helpers/market";
import { expectRevert } from "../helpers/errors";

/** The fee FeeOnTransferToken burns on each transfer, in basis points. */
const FEE_BPS = 100n;

/** The default market, a market that allowlists a fee-on-transfer token, and an ERC-20 on no allowlist. */
async function entitlementsFixture() {
  const fx = await deployMarket();
  const feeToken = await hre.viem.deployContract("FeeOnTransferToken", [FEE_BPS]);
  const feeMarket = await hre.viem.deployContract("SwarmMarket", [
    fx.owner.account!.address,
    DEFAULT_BOUNDS,
    [feeToken.address],
  ]);
  const unlisted = await hre.viem.deployContract("MockERC20", ["Unlisted", "NOPE"]);
  return { fx, feeToken, feeMarket, unlisted };
}

/** Mints `amount` of the fixture's MockERC20 to the buyer and approves the market for it. */
async function fundBuyer(fx: MarketFixture, amount: bigint): Promise<void> {
  await fx.token.write.mint([fx.buyer.account!.address, amount]);
  await fx.token.write.approve([fx.market.address, amount], { account: fx.buyer.account! });
}

/** Buys `steps` steps of an offer as the buyer, sending `value` wei. */
function buy(fx: MarketFixture, offerId: bigint, steps: number, value: bigint): Promise<Hash> {
  return fx.market.write.purchase([offerId, steps, zeroAddress], { account: fx.buyer.account!, value });
}

/** Cancels an entitlement as `who` (the buyer unless given). */
function cancelAs(fx: MarketFixture, entitlementId: bigint, who = fx.buyer): Promise<Hash> {
  return fx.market.write.cancel([entitlementId], { account: who.account! });
}

describe("Entitlements", () => {
  describe("purchase", () => {
    it("rejects an ETH purchase that pays less than the price", async () => {
      const { fx } = await loadFixture(entitlementsFixture);
      const offerId = await publishOffer(fx);
      await expectRevert(buy(fx, offerId, 3, 3n * PRICE - 1n), "IncorrectPayment", [3n * PRICE, 3n * PRICE - 1n]);
      expect(await fx.market.read.entitlementCount()).to.equal(0n);
    });

    it("rejects an ETH purchase that overpays, which would strand the excess in escrow", async () => {
      const { fx } = await loadFixture(entitlementsFixture);
      const offerId = await publishOffer(fx);
      await expectRevert(buy(fx, offerId, 3, 3n * PRICE + 1n), "IncorrectPayment", [3n * PRICE, 3n * PRICE + 1n]);
    });

    it("rejects an ETH purchase that pays nothing", async () => {
      const { fx } = await loadFixture(entitlementsFixture);
      const offerId = await publishOffer(fx);
      await expectRevert(buy(fx, offerId, 1, 0n), "IncorrectPayment", [PRICE, 0n]);
    });

    it("rejects ETH attached to an ERC-20 purchase, which would be stranded", async () => {
      const { fx } = await loadFixture(entitlementsFixture);
      const offerId = await publishOffer(fx, { token: fx.token.address });
      await fundBuyer(fx, 2n * PRICE);
      await expectRevert(buy(fx, offerId, 2, 1n), "UnexpectedValue", [1n]);
      expect(await fx.token.read.balanceOf([fx.market.address])).to.equal(0n);
    });

    it("rejects a purchase of zero steps", async () => {
      const { fx } = await loadFixture(entitlementsFixture);
      const offerId = await publishOffer(fx, { maxSteps: 10 });
      await expectRevert(buy(fx, offerId, 0, 0n), "InvalidStepCount", [0n, 10n]);
    });

    it("rejects a purchase of more steps than the offer's maxSteps", async () => {
      const { fx } = await loadFixture(entitlementsFixture);
      const offerId = await publishOffer(fx, { maxSteps: 10 });
      await expectRevert(buy(fx, offerId, 11, 11n * PRICE), "InvalidStepCount", [11n, 10n]);
    });

    it("accepts a purchase of exactly maxSteps steps", async () => {
      const { fx } = await loadFixture(entitlementsFixture);
      const offerId = await publishOffer(fx, { maxSteps: 10 });
      const id = await purchaseEth(fx, offerId, 10);
      expect((await fx.market.read.getEntitlement([id])).bought).to.equal(10);
    });

    it("rejects an offer in a token off the allowlist, so it can never be bought", async () => {
      const { fx, unlisted } = await loadFixture(entitlementsFixture);
      await expectRevert(
        fx.market.write.publish([offerTerms(fx, { token: unlisted.address })], { account: fx.seller.account! }),
        "TokenNotAllowed",
        [getAddress(unlisted.address)],
      );
      expect(await fx.market.read.offerCount()).to.equal(0n);
    });

    it("rejects an allowlisted fee-on-transfer token that delivers less than the price", async () => {
      const { fx: base, feeToken, feeMarket } = await loadFixture(entitlementsFixture);
      const fx = { ...base, market: feeMarket };
      const offerId = await publishOffer(fx, { token: feeToken.address });
      const amount = 2n * PRICE;
      await feeToken.write.mint([fx.buyer.account!.address, amount]);
      await feeToken.write.approve([feeMarket.address, amount], { account: fx.buyer.account! });
      const delivered = amount - (amount * FEE_BPS) / 10_000n;
      await expectRevert(buy(fx, offerId, 2, 0n), "PaymentShortfall", [amount, delivered]);
      expect(await feeMarket.read.entitlementCount()).to.equal(0n);
      expect(await feeToken.read.balanceOf([feeMarket.address])).to.equal(0n);
    });

    it("credits an ERC-20 purchase by the market's balance delta: exactly the price", async () => {
      const { fx } = await loadFixture(entitlementsFixture);
      const offerId = await publishOffer(fx, { token: fx.token.address });
      await fundBuyer(fx, 5n * PRICE);
      const marketBefore = await fx.token.read.balanceOf([fx.market.address]);
      await buy(fx, offerId, 3, 0n);
      expect((await fx.token.read.balanceOf([fx.market.address])) - marketBefore).to.equal(3n * PRICE);
      expect(await fx.token.read.balanceOf([fx.buyer.account!.address])).to.equal(2n * PRICE);
      expect(await fx.token.read.allowance([fx.buyer.account!.address, fx.market.address])).to.equal(2n * PRICE);
    });

    it("escrows exactly the price of an ETH purchase", async () => {
      const { fx } = await loadFixture(entitlementsFixture);
      const offerId = await publishOffer(fx);
      await purchaseEth(fx, offerId, 4);
      expect(await fx.publicClient.getBalance({ address: fx.market.address })).to.equal(4n * PRICE);
    });

    it("records every field of the entitlement", async () => {
      const { fx } = await loadFixture(entitlementsFixture);
      await publishOffer(fx);
      const offerId = await publishOffer(fx);
      const id = await purchaseEth(fx, offerId, 5);
      expect(id).to.equal(1n);
      expect(await fx.market.read.getEntitlement([id])).to.deep.equal({
        offerId: 2n,
        buyer: getAddress(fx.buyer.account!.address),
        permitSigner: zeroAddress,
        bought: 5,
        consumed: 0,
        maxFromStep: 0,
      });
      await consumeNext(fx, id, { fromStep: 0 });
      await consumeNext(fx, id, { fromStep: 1 });
      const e = await fx.market.read.getEntitlement([id]);
      expect([e.bought, e.consumed, e.maxFromStep]).to.deep.equal([5, 2, 1]);
    });

    it("records a delegated permit signer", async () => {
      const { fx } = await loadFixture(entitlementsFixture);
      const delegate = getAddress(fx.delegate.account!.address);
      const id = await purchaseEth(fx, await publishOffer(fx), 2, { signer: delegate });
      expect((await fx.market.read.getEntitlement([id])).permitSigner).to.equal(delegate);
    });

    it("emits EntitlementPurchased with the buyer, steps, signer and amount", async () => {
      const { fx } = await loadFixture(entitlementsFixture);
      const offerId = await publishOffer(fx);
      const delegate = getAddress(fx.delegate.account!.address);
      const hash = await fx.market.write.purchase([offerId, 3, delegate], {
        account: fx.buyer.account!,
        value: 3n * PRICE,
      });
      const receipt = await fx.publicClient.waitForTransactionReceipt({ hash });
      const logs = parseEventLogs({ abi: fx.market.abi, logs: receipt.logs, eventName: "EntitlementPurchased" });
      expect(logs.map((l) => l.args)).to.deep.equal([
        {
          entitlementId: 1n,
          offerId,
          buyer: getAddress(fx.buyer.account!.address),
          steps: 3,
          permitSigner: delegate,
          amount: 3n * PRICE,
        },
      ]);
    });
  });

  describe("unknown entitlements", () => {
    for (const id of [0n, 2n]) {
      it(`rejects reading, re-signing and cancelling the unbought entitlement ${id}`, async () => {
        const { fx } = await loadFixture(entitlementsFixture);
        await purchaseEth(fx, await publishOffer(fx), 1);
        await expectRevert(fx.market.read.getEntitlement([id]), "UnknownEntitlement", [id]);
        await expectRevert(
          fx.market.write.setPermitSigner([id, fx.delegate.account!.address], { account: fx.buyer.account! }),
          "UnknownEntitlement",
          [id],
        );
        await expectRevert(cancelAs(fx, id), "UnknownEntitlement", [id]);
      });
    }
  });

  describe("setPermitSigner", () => {
    it("rejects a permit signer set by anyone but the buyer", async () => {
      const { fx } = await loadFixture(entitlementsFixture);
      const id = await purchaseEth(fx, await publishOffer(fx), 2);
      await expectRevert(
        fx.market.write.setPermitSigner([id, fx.other.account!.address], { account: fx.other.account! }),
        "NotBuyer",
        [id, getAddress(fx.other.account!.address)],
      );
      expect((await fx.market.read.getEntitlement([id])).permitSigner).to.equal(zeroAddress);
    });

    it("hands permit signing to the delegate: the buyer's own permit stops working", async () => {
      const { fx } = await loadFixture(entitlementsFixture);
      const id = await purchaseEth(fx, await publishOffer(fx), 2);
      const delegate = getAddress(fx.delegate.account!.address);
      const hash = await fx.market.write.setPermitSigner([id, delegate], { account: fx.buyer.account! });
      const receipt = await fx.publicClient.waitForTransactionReceipt({ hash });
      const logs = parseEventLogs({ abi: fx.market.abi, logs: receipt.logs, eventName: "PermitSignerChanged" });
      expect(logs.map((l) => l.args)).to.deep.equal([{ entitlementId: id, permitSigner: delegate }]);
      expect((await fx.market.read.getEntitlement([id])).permitSigner).to.equal(delegate);

      const permit = await nextPermit(fx, id);
      const byBuyer = await signPermit(fx, fx.buyer, permit);
      await expectRevert(
        fx.market.write.consume([permit, byBuyer], { account: fx.gateway.account! }),
        "InvalidPermitSignature",
        [delegate],
      );
      await consumeNext(fx, id, {}, fx.delegate);
      expect((await fx.market.read.getEntitlement([id])).consumed).to.equal(1);
    });

    it("clears the delegate with zero, so a leaked delegate key signs nothing more", async () => {
      const { fx } = await loadFixture(entitlementsFixture);
      const id = await purchaseEth(fx, await publishOffer(fx), 2, { signer: fx.delegate.account!.address });
      const hash = await fx.market.write.setPermitSigner([id, zeroAddress], { account: fx.buyer.account! });
      const receipt = await fx.publicClient.waitForTransactionReceipt({ hash });
      const logs = parseEventLogs({ abi: fx.market.abi, logs: receipt.logs, eventName: "PermitSignerChanged" });
      expect(logs.map((l) => l.args)).to.deep.equal([{ entitlementId: id, permitSigner: zeroAddress }]);
      expect((await fx.market.read.getEntitlement([id])).permitSigner).to.equal(zeroAddress);

      const permit = await nextPermit(fx, id);
      const byDelegate = await signPermit(fx, fx.delegate, permit);
      await expectRevert(
        fx.market.write.consume([permit, byDelegate], { account: fx.gateway.account! }),
        "InvalidPermitSignature",
        [getAddress(fx.buyer.account!.address)],
      );
      await consumeNext(fx, id);
      expect((await fx.market.read.getEntitlement([id])).consumed).to.equal(1);
    });

    it("lets the buyer change the signer while the market is paused", async () => {
      const { fx } = await loadFixture(entitlementsFixture);
      const id = await purchaseEth(fx, await publishOffer(fx), 2);
      await fx.market.write.pause({ account: fx.owner.account! });
      await fx.market.write.setPermitSigner([id, fx.delegate.account!.address], { account: fx.buyer.account! });
      expect((await fx.market.read.getEntitlement([id])).permitSigner).to.equal(
        getAddress(fx.delegate.account!.address),
      );
    });
  });

  describe("cancel", () => {
    it("refunds every unconsumed step to the buyer's credit", async () => {
      const { fx } = await loadFixture(entitlementsFixture);
      const id = await purchaseEth(fx, await publishOffer(fx), 4);
      const buyer = fx.buyer.account!.address;
      const hash = await cancelAs(fx, id);
      const receipt = await fx.publicClient.waitForTransactionReceipt({ hash });
      const logs = parseEventLogs({ abi: fx.market.abi, logs: receipt.logs, eventName: "EntitlementCancelled" });
      expect(logs.map((l) => l.args)).to.deep.equal([{ entitlementId: id, steps: 4, amount: 4n * PRICE }]);
      expect(await fx.market.read.creditOf([zeroAddress, buyer])).to.equal(4n * PRICE);
      const e = await fx.market.read.getEntitlement([id]);
      expect([e.bought, e.consumed]).to.deep.equal([0, 0]);
      expect(await fx.publicClient.getBalance({ address: fx.market.address })).to.equal(4n * PRICE);
    });

    it("refunds only the steps not yet consumed, keeping consumed steps in escrow for settlement", async () => {
      const { fx } = await loadFixture(entitlementsFixture);
      const id = await purchaseEth(fx, await publishOffer(fx), 5);
      await consumeNext(fx, id);
      await consumeNext(fx, id);
      await cancelAs(fx, id);
      expect(await fx.market.read.creditOf([zeroAddress, fx.buyer.account!.address])).to.equal(3n * PRICE);
      const e = await fx.market.read.getEntitlement([id]);
      expect([e.bought, e.consumed]).to.deep.equal([2, 2]);
    });

    it("rejects a permit for a cancelled step", async () => {
      const { fx } = await loadFixture(entitlementsFixture);
      const id = await purchaseEth(fx, await publishOffer(fx), 3);
      await consumeNext(fx, id);
      await cancelAs(fx, id);
      const permit = await nextPermit(fx, id);
      const signature = await signPermit(fx, fx.buyer, permit);
      await expectRevert(
        fx.market.write.consume([permit, signature], { account: fx.gateway.account! }),
        "StepsExhausted",
        [2, 1],
      );
    });

    it("rejects a second cancel that would refund the same steps twice", async () => {
      const { fx } = await loadFixture(entitlementsFixture);
      const id = await purchaseEth(fx, await publishOffer(fx), 3);
      await cancelAs(fx, id);
      await expectRevert(cancelAs(fx, id), "NothingToCancel", [id]);
      expect(await fx.market.read.creditOf([zeroAddress, fx.buyer.account!.address])).to.equal(3n * PRICE);
    });

    it("rejects a cancel when every bought step is consumed", async () => {
      const { fx } = await loadFixture(entitlementsFixture);
      const id = await purchaseEth(fx, await publishOffer(fx), 2);
      await consumeNext(fx, id);
      await consumeNext(fx, id);
      await expectRevert(cancelAs(fx, id), "NothingToCancel", [id]);
      expect(await fx.market.read.creditOf([zeroAddress, fx.buyer.account!.address])).to.equal(0n);
    });

    it("rejects a cancel by anyone but the buyer (the seller, the gateway, a stranger)", async () => {
      const { fx } = await loadFixture(entitlementsFixture);
      const id = await purchaseEth(fx, await publishOffer(fx), 2);
      for (const who of [fx.seller, fx.gateway, fx.other]) {
        await expectRevert(cancelAs(fx, id, who), "NotBuyer", [id, getAddress(who.account!.address)]);
        expect(await fx.market.read.creditOf([zeroAddress, who.account!.address])).to.equal(0n);
      }
      expect((await fx.market.read.getEntitlement([id])).bought).to.equal(2);
    });

    it("lets the buyer cancel while the market is paused", async () => {
      const { fx } = await loadFixture(entitlementsFixture);
      const id = await purchaseEth(fx, await publishOffer(fx), 2);
      await fx.market.write.pause({ account: fx.owner.account! });
      await cancelAs(fx, id);
      expect(await fx.market.read.creditOf([zeroAddress, fx.buyer.account!.address])).to.equal(2n * PRICE);
    });

    it("credits an ERC-20 cancel in the offer's token, not in ETH", async () => {
      const { fx } = await loadFixture(entitlementsFixture);
      const offerId = await publishOffer(fx, { token: fx.token.address });
      await fundBuyer(fx, 3n * PRICE);
      await buy(fx, offerId, 3, 0n);
      const id = await fx.market.read.entitlementCount();
      await consumeNext(fx, id);
      await cancelAs(fx, id);
      const buyer = fx.buyer.account!.address;
      expect(await fx.market.read.creditOf([fx.token.address, buyer])).to.equal(2n * PRICE);
      expect(await fx.market.read.creditOf([zeroAddress, buyer])).to.equal(0n);
    });
  });
});
