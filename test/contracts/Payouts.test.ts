import hre from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  type Address,
  type Hash,
  type Hex,
  type WalletClient,
  decodeErrorResult,
  encodeFunctionData,
  getAddress,
  parseEventLogs,
  zeroAddress,
} from "viem";

import {
  DEFAULT_BOUNDS,
  DISPUTE_WINDOW,
  type MarketFixture,
  PRICE,
  STEP_TIMEOUT,
  consumeAndClaim,
  consumeNext,
  deployMarket,
  offerTerms,
  publishOffer,
  purchaseEth,
} from "../helpers/market";
import { expectRevert } from "../helpers/errors";

/** ReentrantToken.Mode */
const TokenMode = { Off: 0, Record: 1, Bubble: 2 } as const;

/** StepStatus as the contract numbers it. */
const Status = { Consumed: 1, Claimed: 2, Settled: 4, Refunded: 5 } as const;

/**
 * The default market (ETH and MockERC20), a market that allowlists a re-entrant and a blacklisting token,
 * and contract accounts that re-enter on payment or refuse it.
 */
async function payoutsFixture() {
  const fx = await deployMarket();
  const reentrant = await hre.viem.deployContract("ReentrantReceiver", []);
  const reverting = await hre.viem.deployContract("RevertingReceiver", []);
  const reentrantToken = await hre.viem.deployContract("ReentrantToken", []);
  const blacklistToken = await hre.viem.deployContract("BlacklistToken", []);
  const hostileMarket = await hre.viem.deployContract("SwarmMarket", [
    fx.owner.account!.address,
    DEFAULT_BOUNDS,
    [reentrantToken.address, blacklistToken.address],
  ]);
  const hx: MarketFixture = { ...fx, market: hostileMarket };
  return { fx, hx, reentrant, reverting, reentrantToken, blacklistToken };
}

/** Calldata of a market function, for a contract account to forward. */
function marketCall(fx: MarketFixture, call: MarketCall): Hex {
  return encodeFunctionData({ abi: fx.market.abi, ...call });
}

type MarketCall =
  | { functionName: "publish"; args: [ReturnType<typeof offerTerms>] }
  | { functionName: "purchase"; args: [bigint, number, Address] }
  | { functionName: "cancel"; args: [bigint] }
  | { functionName: "finalize" | "reclaim"; args: [bigint, number] }
  | { functionName: "withdraw"; args: [Address] }
  | { functionName: "withdrawTo"; args: [Address, Address] };

/** Consumes and claims the next `steps` steps of an entitlement, each from genesis. */
async function claimSteps(fx: MarketFixture, entitlementId: bigint, steps: number): Promise<void> {
  for (let i = 0; i < steps; i++) await consumeAndClaim(fx, entitlementId, { permit: { fromStep: 0 } });
}

/** Finalizes steps `from`..`to` of an entitlement (their dispute window must have passed). */
async function finalizeSteps(fx: MarketFixture, entitlementId: bigint, from: number, to: number): Promise<void> {
  for (let step = from; step <= to; step++) {
    await fx.market.write.finalize([entitlementId, step], { account: fx.keeper.account! });
  }
}

/** Mints and approves `steps` × PRICE of an ERC-20 to the buyer and buys `steps` steps of a token offer. */
async function buyWithToken(fx: MarketFixture, token: Address, offerId: bigint, steps: number): Promise<bigint> {
  const erc20 = await hre.viem.getContractAt("MockERC20", token);
  const amount = PRICE * BigInt(steps);
  await erc20.write.mint([fx.buyer.account!.address, amount]);
  await erc20.write.approve([fx.market.address, amount], { account: fx.buyer.account! });
  await fx.market.write.purchase([offerId, steps, zeroAddress], { account: fx.buyer.account! });
  return fx.market.read.entitlementCount();
}

/** The ERC-20 balance of `account`. */
async function tokenBalance(token: Address, account: Address): Promise<bigint> {
  return (await hre.viem.getContractAt("MockERC20", token)).read.balanceOf([account]);
}

/** How much `wallet`'s ETH balance grew through the transaction `send` makes, gas added back. */
async function ethGainOf(fx: MarketFixture, wallet: WalletClient, send: () => Promise<Hash>): Promise<bigint> {
  const address = wallet.account!.address;
  const before = await fx.publicClient.getBalance({ address });
  const receipt = await fx.publicClient.waitForTransactionReceipt({ hash: await send() });
  const after = await fx.publicClient.getBalance({ address });
  return after - before + receipt.gasUsed * receipt.effectiveGasPrice;
}

/** The Withdrawn events of a transaction. */
async function withdrawnEvents(fx: MarketFixture, hash: Hash) {
  const receipt = await fx.publicClient.waitForTransactionReceipt({ hash });
  return parseEventLogs({ abi: fx.market.abi, logs: receipt.logs, eventName: "Withdrawn" }).map((l) => l.args);
}

/** The name of the custom error `data` encodes, decoded against the market's ABI. */
function errorNameOf(fx: MarketFixture, data: Hex): string {
  return decodeErrorResult({ abi: fx.market.abi, data }).errorName;
}

describe("Payouts", () => {
  describe("withdraw", () => {
    it("rejects a withdraw without credit, in ETH and in an ERC-20", async () => {
      const { fx } = await loadFixture(payoutsFixture);
      const buyer = getAddress(fx.buyer.account!.address);
      await expectRevert(fx.market.write.withdraw([zeroAddress], { account: fx.buyer.account! }), "NothingToWithdraw", [
        zeroAddress,
        buyer,
      ]);
      await expectRevert(
        fx.market.write.withdraw([fx.token.address], { account: fx.buyer.account! }),
        "NothingToWithdraw",
        [getAddress(fx.token.address), buyer],
      );
    });

    it("pays a seller's settled credit exactly once and emits Withdrawn", async () => {
      const { fx } = await loadFixture(payoutsFixture);
      const id = await purchaseEth(fx, await publishOffer(fx), 3);
      await claimSteps(fx, id, 2);
      await time.increase(DISPUTE_WINDOW);
      await finalizeSteps(fx, id, 1, 2);
      const seller = getAddress(fx.seller.account!.address);
      expect(await fx.market.read.creditOf([zeroAddress, seller])).to.equal(2n * PRICE);

      let hash: Hash | undefined;
      const gain = await ethGainOf(fx, fx.seller, async () => {
        hash = await fx.market.write.withdraw([zeroAddress], { account: fx.seller.account! });
        return hash;
      });
      expect(gain).to.equal(2n * PRICE);
      expect(await withdrawnEvents(fx, hash!)).to.deep.equal([
        { token: zeroAddress, account: seller, to: seller, amount: 2n * PRICE },
      ]);
      expect(await fx.market.read.creditOf([zeroAddress, seller])).to.equal(0n);
      await expectRevert(
        fx.market.write.withdraw([zeroAddress], { account: fx.seller.account! }),
        "NothingToWithdraw",
        [zeroAddress, seller],
      );
      // The third step is still escrowed.
      expect(await fx.publicClient.getBalance({ address: fx.market.address })).to.equal(PRICE);
    });

    it("pays an ERC-20 credit in that token", async () => {
      const { fx } = await loadFixture(payoutsFixture);
      const id = await buyWithToken(fx, fx.token.address, await publishOffer(fx, { token: fx.token.address }), 3);
      await fx.market.write.cancel([id], { account: fx.buyer.account! });
      const buyer = fx.buyer.account!.address;
      const hash = await fx.market.write.withdraw([fx.token.address], { account: fx.buyer.account! });
      expect(await tokenBalance(fx.token.address, buyer)).to.equal(3n * PRICE);
      expect(await tokenBalance(fx.token.address, fx.market.address)).to.equal(0n);
      expect(await withdrawnEvents(fx, hash)).to.deep.equal([
        { token: getAddress(fx.token.address), account: getAddress(buyer), to: getAddress(buyer), amount: 3n * PRICE },
      ]);
    });

    it("rejects withdrawTo the zero address, which would burn the credit", async () => {
      const { fx } = await loadFixture(payoutsFixture);
      const id = await purchaseEth(fx, await publishOffer(fx), 2);
      await fx.market.write.cancel([id], { account: fx.buyer.account! });
      await expectRevert(
        fx.market.write.withdrawTo([zeroAddress, zeroAddress], { account: fx.buyer.account! }),
        "ZeroRecipient",
        [],
      );
      expect(await fx.market.read.creditOf([zeroAddress, fx.buyer.account!.address])).to.equal(2n * PRICE);
    });

    it("pays withdrawTo to the named address and debits only the caller", async () => {
      const { fx } = await loadFixture(payoutsFixture);
      const id = await purchaseEth(fx, await publishOffer(fx), 2);
      await fx.market.write.cancel([id], { account: fx.buyer.account! });
      const other = getAddress(fx.other.account!.address);
      const before = await fx.publicClient.getBalance({ address: other });
      const hash = await fx.market.write.withdrawTo([zeroAddress, other], { account: fx.buyer.account! });
      expect((await fx.publicClient.getBalance({ address: other })) - before).to.equal(2n * PRICE);
      expect(await withdrawnEvents(fx, hash)).to.deep.equal([
        { token: zeroAddress, account: getAddress(fx.buyer.account!.address), to: other, amount: 2n * PRICE },
      ]);
      expect(await fx.market.read.creditOf([zeroAddress, fx.buyer.account!.address])).to.equal(0n);
      expect(await fx.market.read.creditOf([zeroAddress, other])).to.equal(0n);
    });

    it("pays withdrawals while paused, so the owner cannot freeze credits", async () => {
      const { fx } = await loadFixture(payoutsFixture);
      const id = await purchaseEth(fx, await publishOffer(fx), 3);
      await claimSteps(fx, id, 1);
      await time.increase(DISPUTE_WINDOW);
      await fx.market.write.pause({ account: fx.owner.account! });
      await finalizeSteps(fx, id, 1, 1);
      await fx.market.write.cancel([id], { account: fx.buyer.account! });
      expect(
        await ethGainOf(fx, fx.seller, () => fx.market.write.withdraw([zeroAddress], { account: fx.seller.account! })),
      ).to.equal(PRICE);
      const other = fx.other.account!.address;
      const before = await fx.publicClient.getBalance({ address: other });
      await fx.market.write.withdrawTo([zeroAddress, other], { account: fx.buyer.account! });
      expect((await fx.publicClient.getBalance({ address: other })) - before).to.equal(2n * PRICE);
      expect(await fx.market.read.paused()).to.equal(true);
      expect(await fx.publicClient.getBalance({ address: fx.market.address })).to.equal(0n);
    });
  });

  describe("re-entrant receivers", () => {
    it("pays a seller contract that re-enters withdraw from its receive exactly once", async () => {
      const { fx, reentrant } = await loadFixture(payoutsFixture);
      await reentrant.write.execute([
        fx.market.address,
        0n,
        marketCall(fx, { functionName: "publish", args: [offerTerms(fx)] }),
      ]);
      const id = await purchaseEth(fx, await fx.market.read.offerCount(), 3);
      await claimSteps(fx, id, 2);
      await time.increase(DISPUTE_WINDOW);
      await finalizeSteps(fx, id, 1, 2);
      await fx.market.write.cancel([id], { account: fx.buyer.account! });
      expect(await fx.market.read.creditOf([zeroAddress, reentrant.address])).to.equal(2n * PRICE);

      const withdraw = marketCall(fx, { functionName: "withdraw", args: [zeroAddress] });
      await reentrant.write.setReentry([fx.market.address, [withdraw]]);
      const before = await fx.publicClient.getBalance({ address: reentrant.address });
      await reentrant.write.execute([fx.market.address, 0n, withdraw]);

      expect((await fx.publicClient.getBalance({ address: reentrant.address })) - before).to.equal(2n * PRICE);
      expect(await reentrant.read.payments()).to.equal(1n);
      expect(await reentrant.read.attemptCount()).to.equal(1n);
      const [ok, reason] = await reentrant.read.attempt([0n]);
      expect(ok).to.equal(false);
      expect(errorNameOf(fx, reason)).to.equal("ReentrancyGuardReentrantCall");
      expect(await fx.market.read.creditOf([zeroAddress, reentrant.address])).to.equal(0n);
      // What is left in the market is exactly the buyer's refund.
      expect(await fx.market.read.creditOf([zeroAddress, fx.buyer.account!.address])).to.equal(PRICE);
      expect(await fx.publicClient.getBalance({ address: fx.market.address })).to.equal(PRICE);
    });

    it("keeps a finalize and a reclaim made from inside the seller's withdraw as credits, never paid twice", async () => {
      const { fx, reentrant } = await loadFixture(payoutsFixture);
      await reentrant.write.execute([
        fx.market.address,
        0n,
        marketCall(fx, { functionName: "publish", args: [offerTerms(fx)] }),
      ]);
      const id = await purchaseEth(fx, await fx.market.read.offerCount(), 4);
      await claimSteps(fx, id, 2);
      await consumeNext(fx, id); // step 3: consumed, never claimed
      await time.increase(DISPUTE_WINDOW); // past step 1-2's dispute window and step 3's step timeout
      await finalizeSteps(fx, id, 1, 1);

      const withdraw = marketCall(fx, { functionName: "withdraw", args: [zeroAddress] });
      await reentrant.write.setReentry([
        fx.market.address,
        [
          withdraw,
          marketCall(fx, { functionName: "finalize", args: [id, 2] }),
          marketCall(fx, { functionName: "reclaim", args: [id, 3] }),
        ],
      ]);
      const before = await fx.publicClient.getBalance({ address: reentrant.address });
      await reentrant.write.execute([fx.market.address, 0n, withdraw]);

      expect((await fx.publicClient.getBalance({ address: reentrant.address })) - before).to.equal(PRICE);
      const attempts = await Promise.all([0n, 1n, 2n].map((i) => reentrant.read.attempt([i])));
      expect(attempts.map(([ok]) => ok)).to.deep.equal([false, true, true]);
      expect(errorNameOf(fx, attempts[0]![1])).to.equal("ReentrancyGuardReentrantCall");
      expect((await fx.market.read.getStep([id, 2])).status).to.equal(Status.Settled);
      expect((await fx.market.read.getStep([id, 3])).status).to.equal(Status.Refunded);
      // Step 2 was credited after the withdrawn credit was zeroed: it is owed, not lost and not paid.
      const sellerCredit = await fx.market.read.creditOf([zeroAddress, reentrant.address]);
      const buyerCredit = await fx.market.read.creditOf([zeroAddress, fx.buyer.account!.address]);
      expect([sellerCredit, buyerCredit]).to.deep.equal([PRICE, PRICE]);
      const escrowed = PRICE; // step 4, never consumed
      expect(await fx.publicClient.getBalance({ address: fx.market.address })).to.equal(
        sellerCredit + buyerCredit + escrowed,
      );

      await reentrant.write.setReentry([fx.market.address, []]);
      await reentrant.write.execute([fx.market.address, 0n, withdraw]);
      expect((await fx.publicClient.getBalance({ address: reentrant.address })) - before).to.equal(2n * PRICE);
      expect(await fx.market.read.creditOf([zeroAddress, reentrant.address])).to.equal(0n);
      expect(await fx.publicClient.getBalance({ address: fx.market.address })).to.equal(buyerCredit + escrowed);
    });

    it("refunds a buyer contract that re-enters withdraw and reclaim from its receive exactly once", async () => {
      const { fx, reentrant } = await loadFixture(payoutsFixture);
      const offerId = await publishOffer(fx);
      // The contract buys; the buyer's key signs its permits.
      const purchase = marketCall(fx, { functionName: "purchase", args: [offerId, 3, fx.buyer.account!.address] });
      await reentrant.write.execute([fx.market.address, 3n * PRICE, purchase], { value: 3n * PRICE });
      const id = await fx.market.read.entitlementCount();
      expect((await fx.market.read.getEntitlement([id])).buyer).to.equal(getAddress(reentrant.address));
      await consumeNext(fx, id);
      await reentrant.write.execute([fx.market.address, 0n, marketCall(fx, { functionName: "cancel", args: [id] })]);
      await time.increase(STEP_TIMEOUT);

      const withdraw = marketCall(fx, { functionName: "withdraw", args: [zeroAddress] });
      await reentrant.write.setReentry([
        fx.market.address,
        [withdraw, marketCall(fx, { functionName: "reclaim", args: [id, 1] })],
      ]);
      const before = await fx.publicClient.getBalance({ address: reentrant.address });
      await reentrant.write.execute([fx.market.address, 0n, withdraw]);

      expect((await fx.publicClient.getBalance({ address: reentrant.address })) - before).to.equal(2n * PRICE);
      const first = await Promise.all([0n, 1n].map((i) => reentrant.read.attempt([i])));
      expect(first.map(([ok]) => ok)).to.deep.equal([false, true]);
      expect(errorNameOf(fx, first[0]![1])).to.equal("ReentrancyGuardReentrantCall");
      expect(await fx.market.read.creditOf([zeroAddress, reentrant.address])).to.equal(PRICE);
      expect(await fx.publicClient.getBalance({ address: fx.market.address })).to.equal(PRICE);

      // The second payout re-enters again: the guard still holds and the step cannot be refunded twice.
      await reentrant.write.execute([fx.market.address, 0n, withdraw]);
      expect((await fx.publicClient.getBalance({ address: reentrant.address })) - before).to.equal(3n * PRICE);
      const second = await Promise.all([2n, 3n].map((i) => reentrant.read.attempt([i])));
      expect(second.map(([ok]) => ok)).to.deep.equal([false, false]);
      expect(errorNameOf(fx, second[0]![1])).to.equal("ReentrancyGuardReentrantCall");
      expect(decodeErrorResult({ abi: fx.market.abi, data: second[1]![1] })).to.deep.equal({
        abiItem: fx.market.abi.find((i) => i.type === "error" && i.name === "InvalidStepStatus"),
        errorName: "InvalidStepStatus",
        args: [id, 1, Status.Consumed, Status.Refunded],
      });
      expect(await reentrant.read.payments()).to.equal(2n);
      expect(await fx.market.read.creditOf([zeroAddress, reentrant.address])).to.equal(0n);
      expect(await fx.publicClient.getBalance({ address: fx.market.address })).to.equal(0n);
    });
  });

  describe("re-entrant tokens", () => {
    it("rejects a purchase whose token re-enters purchase from transferFrom", async () => {
      const { hx, reentrantToken } = await loadFixture(payoutsFixture);
      const offerId = await publishOffer(hx, { token: reentrantToken.address });
      await reentrantToken.write.mint([hx.buyer.account!.address, 2n * PRICE]);
      await reentrantToken.write.approve([hx.market.address, 2n * PRICE], { account: hx.buyer.account! });
      const purchase = marketCall(hx, { functionName: "purchase", args: [offerId, 1, zeroAddress] });
      await reentrantToken.write.arm([TokenMode.Bubble, hx.market.address, purchase]);
      await expectRevert(
        hx.market.write.purchase([offerId, 2, zeroAddress], { account: hx.buyer.account! }),
        "ReentrancyGuardReentrantCall",
        [],
      );
      expect(await hx.market.read.entitlementCount()).to.equal(0n);
      expect(await reentrantToken.read.balanceOf([hx.market.address])).to.equal(0n);
    });

    it("does not let a purchase re-entered from transferFrom count towards the outer purchase's balance delta", async () => {
      const { hx, reentrant, reentrantToken } = await loadFixture(payoutsFixture);
      const offerId = await publishOffer(hx, { token: reentrantToken.address });
      // A funded accomplice the token calls back, whose nested purchase would pay into the same balance delta.
      await reentrantToken.write.mint([reentrant.address, PRICE]);
      const approve = encodeFunctionData({
        abi: reentrantToken.abi,
        functionName: "approve",
        args: [hx.market.address, PRICE],
      });
      await reentrant.write.execute([reentrantToken.address, 0n, approve]);
      await reentrantToken.write.mint([hx.buyer.account!.address, 2n * PRICE]);
      await reentrantToken.write.approve([hx.market.address, 2n * PRICE], { account: hx.buyer.account! });
      const nested = encodeFunctionData({
        abi: reentrant.abi,
        functionName: "execute",
        args: [hx.market.address, 0n, marketCall(hx, { functionName: "purchase", args: [offerId, 1, zeroAddress] })],
      });
      await reentrantToken.write.arm([TokenMode.Record, reentrant.address, nested]);

      await hx.market.write.purchase([offerId, 2, zeroAddress], { account: hx.buyer.account! });

      expect(await reentrantToken.read.hookCalls()).to.equal(1n);
      expect(await reentrantToken.read.lastOk()).to.equal(false);
      expect(errorNameOf(hx, await reentrantToken.read.lastResult())).to.equal("ReentrancyGuardReentrantCall");
      expect(await hx.market.read.entitlementCount()).to.equal(1n);
      expect((await hx.market.read.getEntitlement([1n])).bought).to.equal(2);
      expect(await reentrantToken.read.balanceOf([hx.market.address])).to.equal(2n * PRICE);
      expect(await reentrantToken.read.balanceOf([reentrant.address])).to.equal(PRICE);
    });

    it("rejects a withdraw whose token re-enters withdraw from transfer, leaving the credit intact", async () => {
      const { hx, reentrantToken } = await loadFixture(payoutsFixture);
      const id = await buyWithToken(
        hx,
        reentrantToken.address,
        await publishOffer(hx, { token: reentrantToken.address }),
        2,
      );
      await claimSteps(hx, id, 2);
      await time.increase(DISPUTE_WINDOW);
      await finalizeSteps(hx, id, 1, 2);
      const seller = hx.seller.account!.address;
      const withdraw = marketCall(hx, { functionName: "withdraw", args: [reentrantToken.address] });
      await reentrantToken.write.arm([TokenMode.Bubble, hx.market.address, withdraw]);
      await expectRevert(
        hx.market.write.withdraw([reentrantToken.address], { account: hx.seller.account! }),
        "ReentrancyGuardReentrantCall",
        [],
      );
      expect(await hx.market.read.creditOf([reentrantToken.address, seller])).to.equal(2n * PRICE);
      expect(await reentrantToken.read.balanceOf([seller])).to.equal(0n);
      expect(await reentrantToken.read.balanceOf([hx.market.address])).to.equal(2n * PRICE);
    });

    it("pays a seller whose token calls it back into withdraw during the payout exactly once", async () => {
      const { hx, reentrant, reentrantToken } = await loadFixture(payoutsFixture);
      const token = reentrantToken.address;
      await reentrant.write.execute([
        hx.market.address,
        0n,
        marketCall(hx, { functionName: "publish", args: [offerTerms(hx, { token })] }),
      ]);
      const id = await buyWithToken(hx, token, await hx.market.read.offerCount(), 3);
      await claimSteps(hx, id, 2);
      await time.increase(DISPUTE_WINDOW);
      await finalizeSteps(hx, id, 1, 2);
      await hx.market.write.cancel([id], { account: hx.buyer.account! });

      const withdraw = marketCall(hx, { functionName: "withdraw", args: [token] });
      const nested = encodeFunctionData({
        abi: reentrant.abi,
        functionName: "execute",
        args: [hx.market.address, 0n, withdraw],
      });
      await reentrantToken.write.arm([TokenMode.Record, reentrant.address, nested]);
      await reentrant.write.execute([hx.market.address, 0n, withdraw]);

      expect(await reentrantToken.read.hookCalls()).to.equal(1n);
      expect(await reentrantToken.read.lastOk()).to.equal(false);
      expect(errorNameOf(hx, await reentrantToken.read.lastResult())).to.equal("ReentrancyGuardReentrantCall");
      expect(await reentrantToken.read.balanceOf([reentrant.address])).to.equal(2n * PRICE);
      expect(await hx.market.read.creditOf([token, reentrant.address])).to.equal(0n);
      expect(await hx.market.read.creditOf([token, hx.buyer.account!.address])).to.equal(PRICE);
      expect(await reentrantToken.read.balanceOf([hx.market.address])).to.equal(PRICE);
    });
  });

  describe("a recipient that cannot receive blocks only itself", () => {
    it("lets the buyer and other sellers withdraw while a reverting seller cannot, and lets it withdrawTo elsewhere", async () => {
      const { fx, reverting } = await loadFixture(payoutsFixture);
      await reverting.write.execute([
        fx.market.address,
        0n,
        marketCall(fx, { functionName: "publish", args: [offerTerms(fx)] }),
      ]);
      const offerA = await fx.market.read.offerCount();
      const offerB = await publishOffer(fx);
      const a = await purchaseEth(fx, offerA, 2);
      const b = await purchaseEth(fx, offerB, 2);
      await claimSteps(fx, a, 1);
      await claimSteps(fx, b, 1);
      await time.increase(DISPUTE_WINDOW);
      await finalizeSteps(fx, a, 1, 1);
      await finalizeSteps(fx, b, 1, 1);
      await fx.market.write.cancel([a], { account: fx.buyer.account! });
      await fx.market.write.cancel([b], { account: fx.buyer.account! });

      const withdraw = marketCall(fx, { functionName: "withdraw", args: [zeroAddress] });
      await expectRevert(
        reverting.write.execute([fx.market.address, 0n, withdraw]),
        "Rejected",
        [PRICE],
        reverting.abi,
      );
      expect(await fx.market.read.creditOf([zeroAddress, reverting.address])).to.equal(PRICE);

      expect(
        await ethGainOf(fx, fx.seller, () => fx.market.write.withdraw([zeroAddress], { account: fx.seller.account! })),
      ).to.equal(PRICE);
      expect(
        await ethGainOf(fx, fx.buyer, () => fx.market.write.withdraw([zeroAddress], { account: fx.buyer.account! })),
      ).to.equal(2n * PRICE);

      const other = getAddress(fx.other.account!.address);
      const before = await fx.publicClient.getBalance({ address: other });
      const hash = await reverting.write.execute([
        fx.market.address,
        0n,
        marketCall(fx, { functionName: "withdrawTo", args: [zeroAddress, other] }),
      ]);
      expect((await fx.publicClient.getBalance({ address: other })) - before).to.equal(PRICE);
      expect(await withdrawnEvents(fx, hash)).to.deep.equal([
        { token: zeroAddress, account: getAddress(reverting.address), to: other, amount: PRICE },
      ]);
      expect(await fx.market.read.creditOf([zeroAddress, reverting.address])).to.equal(0n);
      expect(await fx.publicClient.getBalance({ address: fx.market.address })).to.equal(0n);
    });

    it("lets others withdraw a token that blacklists one seller, and lets that seller withdrawTo a clean address", async () => {
      const { hx, blacklistToken } = await loadFixture(payoutsFixture);
      const token = blacklistToken.address;
      const offerA = await publishOffer(hx, { token });
      await hx.market.write.publish([offerTerms(hx, { token })], { account: hx.other.account! });
      const offerB = await hx.market.read.offerCount();
      const a = await buyWithToken(hx, token, offerA, 2);
      const b = await buyWithToken(hx, token, offerB, 2);
      await claimSteps(hx, a, 1);
      await claimSteps(hx, b, 1);
      await time.increase(DISPUTE_WINDOW);
      await finalizeSteps(hx, a, 1, 1);
      await finalizeSteps(hx, b, 1, 1);
      await hx.market.write.cancel([a], { account: hx.buyer.account! });
      await hx.market.write.cancel([b], { account: hx.buyer.account! });
      const seller = getAddress(hx.seller.account!.address);
      await blacklistToken.write.setBlacklisted([seller, true]);

      await expectRevert(
        hx.market.write.withdraw([token], { account: hx.seller.account! }),
        "Blacklisted",
        [seller],
        blacklistToken.abi,
      );
      expect(await hx.market.read.creditOf([token, seller])).to.equal(PRICE);

      await hx.market.write.withdraw([token], { account: hx.other.account! });
      await hx.market.write.withdraw([token], { account: hx.buyer.account! });
      expect(await blacklistToken.read.balanceOf([hx.other.account!.address])).to.equal(PRICE);
      expect(await blacklistToken.read.balanceOf([hx.buyer.account!.address])).to.equal(2n * PRICE);

      const clean = hx.delegate.account!.address;
      await hx.market.write.withdrawTo([token, clean], { account: hx.seller.account! });
      expect(await blacklistToken.read.balanceOf([clean])).to.equal(PRICE);
      expect(await hx.market.read.creditOf([token, seller])).to.equal(0n);
      expect(await blacklistToken.read.balanceOf([hx.market.address])).to.equal(0n);
    });
  });
});
