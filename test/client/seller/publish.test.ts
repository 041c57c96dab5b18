import hre from "hardhat";
import { expect } from "chai";
import { getAddress } from "viem";

import { MarketError } from "../../../client/src/chain/errors";
import { senderFromEthersSigner } from "../../../client/src/chain/sender";
import type { TransactionSender } from "../../../client/src/chain/sender";
import { OfferTermsError, getOffer, publishOffer } from "../../../client/src/seller";
import { marketFixture } from "../../helpers/market";
import { capsuleFor, expectCode, readerOf, sellerTerms, writerOf } from "../chain/fixture";

describe("client/seller/publish", () => {
  it("publishes an offer, sorting the verifiers, and returns the id the market emitted", async () => {
    const fx = await marketFixture();
    const capsule = capsuleFor(fx);
    const verifiers = fx.verifierWallets.slice(0, 3).map((w) => w.account!.address);
    const published = await publishOffer(writerOf(fx, fx.seller), {
      terms: sellerTerms(fx, { verifiers: [...verifiers].reverse(), quorum: 2 }),
      capsule: capsule.bytes,
    });
    expect(published.offerId).to.equal(await fx.market.read.offerCount());
    const offer = await getOffer(readerOf(fx), published.offerId);
    expect(offer.seller).to.equal(getAddress(fx.seller.account!.address));
    expect(offer.retired).to.equal(false);
    expect(offer.terms.policyHash).to.equal(capsule.policyHash);
    expect(offer.terms.verifiers).to.deep.equal(verifiers.map((v) => getAddress(v)));
    expect(offer.termsHash).to.equal(published.termsHash);
  });

  it("publishes through an ethers signer as the transaction sender", async () => {
    const fx = await marketFixture();
    const [, ethersSeller] = await hre.ethers.getSigners();
    const sender = await senderFromEthersSigner(ethersSeller!);
    const published = await publishOffer(writerOf(fx, sender), {
      terms: sellerTerms(fx),
      capsule: capsuleFor(fx).bytes,
    });
    expect((await getOffer(readerOf(fx), published.offerId)).seller).to.equal(sender.address);
  });

  it("refuses a capsule written for another gateway before sending anything", async () => {
    const fx = await marketFixture();
    const capsule = capsuleFor(fx, { gateway: fx.other.account!.address });
    await expectCode(
      publishOffer(writerOf(fx, fx.seller), { terms: sellerTerms(fx), capsule: capsule.bytes }),
      "POLICY_AUDIENCE_MISMATCH",
    );
    expect(await fx.market.read.offerCount()).to.equal(0n);
  });

  it("refuses terms pinning another policy hash than the capsule's", async () => {
    const fx = await marketFixture();
    const err = await expectCode(
      publishOffer(writerOf(fx, fx.seller), {
        terms: sellerTerms(fx, { policyHash: `0x${"ab".repeat(32)}` }),
        capsule: capsuleFor(fx).bytes,
      }),
      "OFFER_TERMS_INVALID",
    );
    expect((err as OfferTermsError).field).to.equal("policyHash");
  });

  it("refuses an unbound-runs term that contradicts the capsule (the gateway would refuse every run)", async () => {
    const fx = await marketFixture();
    const err = await expectCode(
      publishOffer(writerOf(fx, fx.seller), {
        terms: sellerTerms(fx, { allowUnboundRuns: true }),
        capsule: capsuleFor(fx).bytes,
      }),
      "OFFER_TERMS_INVALID",
    );
    expect((err as OfferTermsError).field).to.equal("allowUnboundRuns");
  });

  const marketRules = [
    ["a step timeout below the market's bound", { stepTimeout: 599 }, "StepTimeoutOutOfBounds"],
    ["a dispute window above the market's bound", { disputeWindow: 31 * 24 * 3600 }, "DisputeWindowOutOfBounds"],
    ["an arbiter timeout of zero", { arbiterTimeout: 0 }, "ArbiterTimeoutOutOfBounds"],
    ["maxSteps of zero", { maxSteps: 0 }, "MaxStepsOutOfBounds"],
    ["a zero price", { pricePerStep: 0n }, "ZeroPrice"],
    ["a zero commit", { commit: "0".repeat(40) }, "ZeroCommit"],
    ["a token off the allowlist", { token: "0x000000000000000000000000000000000000dEaD" }, "TokenNotAllowed"],
    ["no verifiers", { verifiers: [] }, "VerifierCountOutOfRange"],
    ["a quorum above the verifier count", { quorum: 2 }, "QuorumOutOfRange"],
  ] as const;
  for (const [what, overrides, contractError] of marketRules) {
    it(`refuses ${what} before sending, naming ${contractError}`, async () => {
      const fx = await marketFixture();
      const err = await expectCode(
        publishOffer(writerOf(fx, fx.seller), { terms: sellerTerms(fx, overrides), capsule: capsuleFor(fx).bytes }),
        "OFFER_TERMS_INVALID",
      );
      expect((err as OfferTermsError).contractError).to.equal(contractError);
      expect(err.message).to.contain(contractError);
    });
  }

  it("refuses an arbiter who is the seller (the seller would judge its own disputes)", async () => {
    const fx = await marketFixture();
    const err = await expectCode(
      publishOffer(writerOf(fx, fx.seller), {
        terms: sellerTerms(fx, { arbiter: fx.seller.account!.address }),
        capsule: capsuleFor(fx).bytes,
      }),
      "OFFER_TERMS_INVALID",
    );
    expect((err as OfferTermsError).contractError).to.equal("InvalidArbiter");
  });

  it("refuses a verifier listed twice (it would count twice towards the quorum)", async () => {
    const fx = await marketFixture();
    const v = fx.verifierWallets[0]!.account!.address;
    const err = await expectCode(
      publishOffer(writerOf(fx, fx.seller), {
        terms: sellerTerms(fx, { verifiers: [v, v], quorum: 2 }),
        capsule: capsuleFor(fx).bytes,
      }),
      "OFFER_TERMS_INVALID",
    );
    expect((err as OfferTermsError).contractError).to.equal("VerifiersNotAscending");
  });

  it("decodes the market's own revert when the market refuses what the client allowed (paused)", async () => {
    const fx = await marketFixture();
    await fx.market.write.pause({ account: fx.owner.account! });
    const err = await expectCode(
      publishOffer(writerOf(fx, fx.seller), { terms: sellerTerms(fx), capsule: capsuleFor(fx).bytes }),
      "MARKET_ENFORCED_PAUSE",
    );
    expect((err as MarketError).errorName).to.equal("EnforcedPause");
  });

  it("refuses a wallet on another chain than the public client (its transaction would never be seen)", async () => {
    const fx = await marketFixture();
    const elsewhere: TransactionSender = {
      address: getAddress(fx.seller.account!.address),
      chainId: async () => 1,
      sendTransaction: async () => {
        throw new Error("must not send");
      },
    };
    await expectCode(
      publishOffer(writerOf(fx, elsewhere), { terms: sellerTerms(fx), capsule: capsuleFor(fx).bytes }),
      "CHAIN_MISMATCH",
    );
    expect(await fx.market.read.offerCount()).to.equal(0n);
  });
});
