import { expect } from "chai";
import { getAddress, zeroAddress } from "viem";

import { accept, cancel, dispute, getEntitlement, setPermitSigner, withdraw } from "../../../client/src/buyer";
import { MarketError } from "../../../client/src/chain/errors";
import { readStep } from "../../../client/src/chain/read";
import {
  BOND,
  PRICE,
  consumeAndClaim,
  consumeNext,
  marketFixture,
  publishOffer,
  purchaseEth,
} from "../../helpers/market";
import { expectCode, readerOf, writerOf } from "../chain/fixture";

describe("client/buyer/settlement", () => {
  it("sets and clears a delegate permit signer", async () => {
    const fx = await marketFixture();
    const id = await purchaseEth(fx, await publishOffer(fx), 1);
    const buyer = writerOf(fx, fx.buyer);
    const delegate = getAddress(fx.delegate.account!.address);
    expect((await setPermitSigner(buyer, id, delegate)).permitSigner).to.equal(delegate);
    expect((await getEntitlement(readerOf(fx), id)).signer).to.equal(delegate);
    await setPermitSigner(buyer, id, undefined);
    const e = await getEntitlement(readerOf(fx), id);
    expect([e.permitSigner, e.signer]).to.deep.equal([undefined, getAddress(fx.buyer.account!.address)]);
  });

  it("refuses a permit signer set by someone other than the buyer (MARKET_NOT_BUYER)", async () => {
    const fx = await marketFixture();
    const id = await purchaseEth(fx, await publishOffer(fx), 1);
    await expectCode(setPermitSigner(writerOf(fx, fx.other), id, fx.other.account!.address), "MARKET_NOT_BUYER");
    expect((await getEntitlement(readerOf(fx), id)).permitSigner).to.equal(undefined);
  });

  it("cancels the unconsumed steps and withdraws their refund", async () => {
    const fx = await marketFixture();
    const id = await purchaseEth(fx, await publishOffer(fx), 3);
    await consumeNext(fx, id);
    const buyer = writerOf(fx, fx.buyer);
    const cancelled = await cancel(buyer, id);
    expect([cancelled.steps, cancelled.amount]).to.deep.equal([2, 2n * PRICE]);
    const paid = await withdraw(buyer);
    expect([paid.amount, paid.to]).to.deep.equal([2n * PRICE, getAddress(fx.buyer.account!.address)]);
    await expectCode(cancel(buyer, id), "MARKET_NOTHING_TO_CANCEL");
  });

  it("refuses a withdrawal of nothing, naming the token and account", async () => {
    const fx = await marketFixture();
    const err = await expectCode(withdraw(writerOf(fx, fx.buyer)), "MARKET_NOTHING_TO_WITHDRAW");
    expect((err as MarketError).args).to.deep.equal([zeroAddress, getAddress(fx.buyer.account!.address)]);
  });

  it("accepts a claimed step at once, crediting the seller, who withdraws to another address", async () => {
    const fx = await marketFixture();
    const id = await purchaseEth(fx, await publishOffer(fx), 1);
    await consumeAndClaim(fx, id);
    expect((await accept(writerOf(fx, fx.buyer), id, 1)).amount).to.equal(PRICE);
    expect((await readStep(readerOf(fx), id, 1)).status).to.equal("Settled");
    const to = getAddress(fx.other.account!.address);
    expect(await withdraw(writerOf(fx, fx.seller), zeroAddress, to)).to.include({ amount: PRICE, to });
  });

  it("refuses to accept a step nobody claimed (paying without evidence), with the statuses in the message", async () => {
    const fx = await marketFixture();
    const id = await purchaseEth(fx, await publishOffer(fx), 1);
    await consumeNext(fx, id);
    const err = await expectCode(accept(writerOf(fx, fx.buyer), id, 1), "MARKET_INVALID_STEP_STATUS");
    expect(err.message).to.equal(`InvalidStepStatus(entitlementId=${id}, step=1, expected=2, actual=1)`);
  });

  it("disputes a claimed step posting the ETH bond", async () => {
    const fx = await marketFixture();
    const id = await purchaseEth(fx, await publishOffer(fx), 1);
    await consumeAndClaim(fx, id);
    const disputed = await dispute(writerOf(fx, fx.buyer), id, 1);
    expect([disputed.bond, disputed.approvalTxHash]).to.deep.equal([BOND, undefined]);
    expect((await readStep(readerOf(fx), id, 1)).status).to.equal("Disputed");
  });

  it("disputes a step of an ERC-20 offer after approving exactly the bond", async () => {
    const fx = await marketFixture();
    await fx.token.write.mint([fx.buyer.account!.address, 10n * PRICE]);
    const offerId = await publishOffer(fx, { token: fx.token.address });
    await fx.token.write.approve([fx.market.address, PRICE], { account: fx.buyer.account! });
    await fx.market.write.purchase([offerId, 1, zeroAddress], { account: fx.buyer.account! });
    const id = await fx.market.read.entitlementCount();
    await consumeAndClaim(fx, id);
    const disputed = await dispute(writerOf(fx, fx.buyer), id, 1);
    expect(disputed.approvalTxHash).to.be.a("string");
    expect(await fx.token.read.balanceOf([fx.market.address])).to.equal(PRICE + BOND);
    expect(await fx.token.read.allowance([fx.buyer.account!.address, fx.market.address])).to.equal(0n);
  });

  it("refuses an ERC-20 dispute the market would refuse before approving the bond (no allowance left behind)", async () => {
    const fx = await marketFixture();
    await fx.token.write.mint([fx.buyer.account!.address, 10n * PRICE]);
    await fx.token.write.mint([fx.other.account!.address, 10n * PRICE]);
    const offerId = await publishOffer(fx, { token: fx.token.address });
    await fx.token.write.approve([fx.market.address, 2n * PRICE], { account: fx.buyer.account! });
    await fx.market.write.purchase([offerId, 2, zeroAddress], { account: fx.buyer.account! });
    const id = await fx.market.read.entitlementCount();
    await consumeAndClaim(fx, id);
    await consumeNext(fx, id);
    const allowance = (account: { address: `0x${string}` }) =>
      fx.token.read.allowance([account.address, fx.market.address]);
    const notBuyer = await expectCode(dispute(writerOf(fx, fx.other), id, 1), "MARKET_NOT_BUYER");
    expect((notBuyer as MarketError).args).to.deep.equal([id, getAddress(fx.other.account!.address)]);
    const unclaimed = await expectCode(dispute(writerOf(fx, fx.buyer), id, 2), "MARKET_INVALID_STEP_STATUS");
    expect((unclaimed as MarketError).args).to.deep.equal([id, 2, 2, 1]);
    expect([await allowance(fx.other.account!), await allowance(fx.buyer.account!)]).to.deep.equal([0n, 0n]);
  });

  it("refuses to dispute a step the buyer already continued from (it accepted it by continuing)", async () => {
    const fx = await marketFixture();
    const id = await purchaseEth(fx, await publishOffer(fx), 2);
    await consumeAndClaim(fx, id);
    await consumeNext(fx, id, { fromStep: 1 });
    const err = await expectCode(dispute(writerOf(fx, fx.buyer), id, 1), "MARKET_STEP_ALREADY_CONTINUED");
    expect((err as MarketError).args).to.deep.equal([id, 1, 1]);
  });
});
