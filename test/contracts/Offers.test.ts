import hre from "hardhat";
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  type Address,
  type Hash,
  encodeAbiParameters,
  getAddress,
  keccak256,
  pad,
  parseEventLogs,
  toHex,
  zeroAddress,
  zeroHash,
} from "viem";

import {
  COMMIT,
  DEFAULT_BOUNDS,
  type MarketFixture,
  type OfferTermsInput,
  POLICY_HASH,
  PRICE,
  consumeAndClaim,
  deployMarket,
  offerTerms,
  publishOffer,
  purchaseEth,
} from "../helpers/market";
import { expectRevert } from "../helpers/errors";

/** A bound on maxSteps small enough to publish above it (the default bound is the uint24 maximum). */
const SMALL_MAX_STEPS = 1000;

/** The default market, plus a market with a small maxSteps bound and an ERC-20 on no allowlist. */
async function offersFixture() {
  const fx = await deployMarket();
  const smallMarket = await hre.viem.deployContract("SwarmMarket", [
    fx.owner.account!.address,
    { ...DEFAULT_BOUNDS, maxSteps: SMALL_MAX_STEPS },
    [],
  ]);
  const unlisted = await hre.viem.deployContract("MockERC20", ["Unlisted", "NOPE"]);
  return { fx, smallMarket, unlisted };
}

/** `n` distinct non-zero addresses in strictly ascending order. */
function ascendingAddresses(n: number): Address[] {
  return Array.from({ length: n }, (_, i) => getAddress(pad(toHex(i + 1), { size: 20 })));
}

/** Publishes `overrides` of the default terms as the seller (the promise of the write, for expectRevert). */
function publishWith(fx: MarketFixture, overrides: Partial<OfferTermsInput>): Promise<Hash> {
  return fx.market.write.publish([offerTerms(fx, overrides)], { account: fx.seller.account! });
}

/** Terms as getOffer returns them: checksummed addresses. */
function normalized(t: OfferTermsInput): OfferTermsInput {
  return {
    ...t,
    gateway: getAddress(t.gateway),
    token: getAddress(t.token),
    arbiter: getAddress(t.arbiter),
    verifiers: t.verifiers.map((v) => getAddress(v)),
  };
}

describe("Offers", () => {
  describe("publish", () => {
    it("rejects a zero arbiter", async () => {
      const { fx } = await loadFixture(offersFixture);
      await expectRevert(publishWith(fx, { arbiter: zeroAddress }), "InvalidArbiter", [zeroAddress]);
    });

    it("rejects the seller as its own arbiter", async () => {
      const { fx } = await loadFixture(offersFixture);
      const seller = getAddress(fx.seller.account!.address);
      await expectRevert(publishWith(fx, { arbiter: seller }), "InvalidArbiter", [seller]);
    });

    it("rejects the gateway as arbiter", async () => {
      const { fx } = await loadFixture(offersFixture);
      const gateway = getAddress(fx.gateway.account!.address);
      await expectRevert(publishWith(fx, { arbiter: gateway }), "InvalidArbiter", [gateway]);
    });

    it("rejects a zero gateway", async () => {
      const { fx } = await loadFixture(offersFixture);
      await expectRevert(publishWith(fx, { gateway: zeroAddress }), "InvalidGateway", [zeroAddress]);
    });

    it("rejects a zero quorum that any claim would meet without a signature", async () => {
      const { fx } = await loadFixture(offersFixture);
      await expectRevert(publishWith(fx, { quorum: 0 }), "QuorumOutOfRange", [0n, 1n]);
    });

    it("rejects a quorum above the number of verifiers, which no claim could reach", async () => {
      const { fx } = await loadFixture(offersFixture);
      const verifiers = fx.verifierWallets.slice(0, 2).map((w) => w.account!.address);
      await expectRevert(publishWith(fx, { verifiers, quorum: 3 }), "QuorumOutOfRange", [3n, 2n]);
    });

    it("rejects unsorted verifiers", async () => {
      const { fx } = await loadFixture(offersFixture);
      const [v0, v1] = fx.verifierWallets.map((w) => getAddress(w.account!.address));
      await expectRevert(publishWith(fx, { verifiers: [v1!, v0!] }), "VerifiersNotAscending", [1n, v0]);
    });

    it("rejects a duplicated verifier that would count twice towards the quorum", async () => {
      const { fx } = await loadFixture(offersFixture);
      const v0 = getAddress(fx.verifierWallets[0]!.account!.address);
      await expectRevert(publishWith(fx, { verifiers: [v0, v0], quorum: 2 }), "VerifiersNotAscending", [1n, v0]);
    });

    it("rejects a zero verifier", async () => {
      const { fx } = await loadFixture(offersFixture);
      await expectRevert(publishWith(fx, { verifiers: [zeroAddress] }), "VerifiersNotAscending", [0n, zeroAddress]);
    });

    it("rejects an offer without verifiers", async () => {
      const { fx } = await loadFixture(offersFixture);
      await expectRevert(publishWith(fx, { verifiers: [] }), "VerifierCountOutOfRange", [0n, 16n]);
    });

    it("rejects 17 verifiers, which would make a claim unboundedly dear", async () => {
      const { fx } = await loadFixture(offersFixture);
      await expectRevert(publishWith(fx, { verifiers: ascendingAddresses(17) }), "VerifierCountOutOfRange", [17n, 16n]);
    });

    it("accepts exactly 16 verifiers with a quorum of 16", async () => {
      const { fx } = await loadFixture(offersFixture);
      const verifiers = ascendingAddresses(16);
      const id = await publishOffer(fx, { verifiers, quorum: 16 });
      const offer = await fx.market.read.getOffer([id]);
      expect(offer.terms.verifiers).to.deep.equal(verifiers);
      expect(offer.terms.quorum).to.equal(16);
    });

    const minSt = DEFAULT_BOUNDS.minStepTimeout;
    const maxSt = DEFAULT_BOUNDS.maxStepTimeout;
    const minDw = DEFAULT_BOUNDS.minDisputeWindow;
    const maxDw = DEFAULT_BOUNDS.maxDisputeWindow;
    const minAt = DEFAULT_BOUNDS.minArbiterTimeout;
    const maxAt = DEFAULT_BOUNDS.maxArbiterTimeout;
    const windowCases: [string, Partial<OfferTermsInput>, string, bigint[]][] = [
      [
        "a step timeout just below the minimum, which leaves no time to claim",
        { stepTimeout: minSt - 1 },
        "StepTimeoutOutOfBounds",
        [BigInt(minSt - 1), BigInt(minSt), BigInt(maxSt)],
      ],
      [
        "a step timeout just above the maximum, which locks the buyer's refund",
        { stepTimeout: maxSt + 1 },
        "StepTimeoutOutOfBounds",
        [BigInt(maxSt + 1), BigInt(minSt), BigInt(maxSt)],
      ],
      [
        "a dispute window just below the minimum, which leaves the buyer no time to dispute",
        { disputeWindow: minDw - 1 },
        "DisputeWindowOutOfBounds",
        [BigInt(minDw - 1), BigInt(minDw), BigInt(maxDw)],
      ],
      [
        "a dispute window just above the maximum, which delays the seller's pay",
        { disputeWindow: maxDw + 1 },
        "DisputeWindowOutOfBounds",
        [BigInt(maxDw + 1), BigInt(minDw), BigInt(maxDw)],
      ],
      [
        "an arbiter timeout just below the minimum, which leaves the arbiter no time to rule",
        { arbiterTimeout: minAt - 1 },
        "ArbiterTimeoutOutOfBounds",
        [BigInt(minAt - 1), BigInt(minAt), BigInt(maxAt)],
      ],
      [
        "an arbiter timeout just above the maximum, which locks a disputed step",
        { arbiterTimeout: maxAt + 1 },
        "ArbiterTimeoutOutOfBounds",
        [BigInt(maxAt + 1), BigInt(minAt), BigInt(maxAt)],
      ],
    ];
    for (const [what, overrides, error, args] of windowCases) {
      it(`rejects ${what}`, async () => {
        const { fx } = await loadFixture(offersFixture);
        await expectRevert(publishWith(fx, overrides), error, args);
      });
    }

    it("accepts every window at exactly its minimum", async () => {
      const { fx } = await loadFixture(offersFixture);
      const id = await publishOffer(fx, { stepTimeout: minSt, disputeWindow: minDw, arbiterTimeout: minAt });
      const { terms } = await fx.market.read.getOffer([id]);
      expect([terms.stepTimeout, terms.disputeWindow, terms.arbiterTimeout]).to.deep.equal([minSt, minDw, minAt]);
    });

    it("accepts every window at exactly its maximum", async () => {
      const { fx } = await loadFixture(offersFixture);
      const id = await publishOffer(fx, { stepTimeout: maxSt, disputeWindow: maxDw, arbiterTimeout: maxAt });
      const { terms } = await fx.market.read.getOffer([id]);
      expect([terms.stepTimeout, terms.disputeWindow, terms.arbiterTimeout]).to.deep.equal([maxSt, maxDw, maxAt]);
    });

    it("rejects maxSteps 0, an offer nobody could buy", async () => {
      const { fx } = await loadFixture(offersFixture);
      await expectRevert(publishWith(fx, { maxSteps: 0 }), "MaxStepsOutOfBounds", [
        0n,
        BigInt(DEFAULT_BOUNDS.maxSteps),
      ]);
    });

    it("rejects maxSteps above the deploy-time bound", async () => {
      const { fx, smallMarket } = await loadFixture(offersFixture);
      const small = { ...fx, market: smallMarket };
      await expectRevert(publishWith(small, { maxSteps: SMALL_MAX_STEPS + 1 }), "MaxStepsOutOfBounds", [
        BigInt(SMALL_MAX_STEPS + 1),
        BigInt(SMALL_MAX_STEPS),
      ]);
    });

    it("accepts maxSteps at exactly the deploy-time bound", async () => {
      const { fx, smallMarket } = await loadFixture(offersFixture);
      const small = { ...fx, market: smallMarket };
      const id = await publishOffer(small, { maxSteps: SMALL_MAX_STEPS });
      expect((await smallMarket.read.getOffer([id])).terms.maxSteps).to.equal(SMALL_MAX_STEPS);
      expect((await smallMarket.read.termBounds()).maxSteps).to.equal(SMALL_MAX_STEPS);
    });

    it("rejects a zero price, which would sell steps for nothing", async () => {
      const { fx } = await loadFixture(offersFixture);
      await expectRevert(publishWith(fx, { pricePerStep: 0n }), "ZeroPrice", []);
    });

    it("rejects a zero commit, which pins no workflow", async () => {
      const { fx } = await loadFixture(offersFixture);
      await expectRevert(publishWith(fx, { commit: pad("0x00", { size: 20 }) }), "ZeroCommit", []);
    });

    it("rejects a zero policy hash, which pins no policy", async () => {
      const { fx } = await loadFixture(offersFixture);
      await expectRevert(publishWith(fx, { policyHash: zeroHash }), "ZeroPolicyHash", []);
    });

    it("rejects a payment token that is not on the allowlist", async () => {
      const { fx, unlisted } = await loadFixture(offersFixture);
      expect(await fx.market.read.isAllowedToken([unlisted.address])).to.equal(false);
      await expectRevert(publishWith(fx, { token: unlisted.address }), "TokenNotAllowed", [
        getAddress(unlisted.address),
      ]);
    });

    it("accepts native ETH and the allowlisted ERC-20", async () => {
      const { fx } = await loadFixture(offersFixture);
      expect(await fx.market.read.isAllowedToken([zeroAddress])).to.equal(true);
      expect(await fx.market.read.isAllowedToken([fx.token.address])).to.equal(true);
      const id = await publishOffer(fx, { token: fx.token.address });
      expect((await fx.market.read.getOffer([id])).terms.token).to.equal(getAddress(fx.token.address));
    });

    it("reads back every term as published, with the seller and the terms hash", async () => {
      const { fx } = await loadFixture(offersFixture);
      const verifiers = fx.verifierWallets.slice(0, 3).map((w) => w.account!.address);
      const terms = offerTerms(fx, {
        token: fx.token.address,
        pricePerStep: 123_456_789n,
        maxSteps: 42,
        stepTimeout: 700,
        disputeWindow: 3700,
        arbiterTimeout: 3800,
        disputeBond: 987_654_321n,
        allowUnboundRuns: true,
        quorum: 2,
        verifiers,
      });
      await fx.market.write.publish([terms], { account: fx.seller.account! });
      const id = await fx.market.read.offerCount();
      expect(id).to.equal(1n);
      const offer = await fx.market.read.getOffer([id]);
      const termsHash = keccak256(
        encodeAbiParameters(
          [{ type: "bytes20" }, { type: "bytes32" }, { type: "address" }],
          [COMMIT, POLICY_HASH, terms.gateway],
        ),
      );
      expect(await fx.market.read.termsHashOf([COMMIT, POLICY_HASH, terms.gateway])).to.equal(termsHash);
      expect(offer).to.deep.equal({
        seller: getAddress(fx.seller.account!.address),
        retired: false,
        termsHash,
        terms: normalized(terms),
      });
    });

    it("answers isVerifier for exactly the listed verifiers", async () => {
      const { fx } = await loadFixture(offersFixture);
      const listed = fx.verifierWallets.slice(0, 2);
      const id = await publishOffer(fx, { verifiers: listed.map((w) => w.account!.address) });
      for (const w of listed) expect(await fx.market.read.isVerifier([id, w.account!.address])).to.equal(true);
      for (const w of fx.verifierWallets.slice(2)) {
        expect(await fx.market.read.isVerifier([id, w.account!.address])).to.equal(false);
      }
      expect(await fx.market.read.isVerifier([id, fx.seller.account!.address])).to.equal(false);
      expect(await fx.market.read.isVerifier([id + 1n, listed[0]!.account!.address])).to.equal(false);
    });

    it("emits OfferPublished with the seller, gateway, commit, policy and terms hash", async () => {
      const { fx } = await loadFixture(offersFixture);
      const hash = await publishWith(fx, {});
      const receipt = await fx.publicClient.waitForTransactionReceipt({ hash });
      const logs = parseEventLogs({ abi: fx.market.abi, logs: receipt.logs, eventName: "OfferPublished" });
      const gateway = getAddress(fx.gateway.account!.address);
      expect(logs.map((l) => l.args)).to.deep.equal([
        {
          offerId: 1n,
          seller: getAddress(fx.seller.account!.address),
          gateway,
          commit: COMMIT,
          policyHash: POLICY_HASH,
          termsHash: await fx.market.read.termsHashOf([COMMIT, POLICY_HASH, gateway]),
        },
      ]);
    });

    it("numbers offers from 1 and publishes each seller's offers independently", async () => {
      const { fx } = await loadFixture(offersFixture);
      expect(await fx.market.read.offerCount()).to.equal(0n);
      await publishWith(fx, {});
      await fx.market.write.publish([offerTerms(fx, { pricePerStep: 2n * PRICE })], { account: fx.other.account! });
      expect(await fx.market.read.offerCount()).to.equal(2n);
      const second = await fx.market.read.getOffer([2n]);
      expect(second.seller).to.equal(getAddress(fx.other.account!.address));
      expect(second.terms.pricePerStep).to.equal(2n * PRICE);
    });
  });

  describe("retire", () => {
    it("rejects a retire by anyone but the seller", async () => {
      const { fx } = await loadFixture(offersFixture);
      const id = await publishOffer(fx);
      await expectRevert(fx.market.write.retire([id], { account: fx.other.account! }), "NotSeller", [
        id,
        getAddress(fx.other.account!.address),
      ]);
      expect((await fx.market.read.getOffer([id])).retired).to.equal(false);
    });

    it("retires the offer once and emits OfferRetired", async () => {
      const { fx } = await loadFixture(offersFixture);
      const id = await publishOffer(fx);
      const hash = await fx.market.write.retire([id], { account: fx.seller.account! });
      const receipt = await fx.publicClient.waitForTransactionReceipt({ hash });
      const logs = parseEventLogs({ abi: fx.market.abi, logs: receipt.logs, eventName: "OfferRetired" });
      expect(logs.map((l) => l.args)).to.deep.equal([{ offerId: id }]);
      expect((await fx.market.read.getOffer([id])).retired).to.equal(true);
    });

    it("rejects retiring an offer twice", async () => {
      const { fx } = await loadFixture(offersFixture);
      const id = await publishOffer(fx);
      await fx.market.write.retire([id], { account: fx.seller.account! });
      await expectRevert(fx.market.write.retire([id], { account: fx.seller.account! }), "OfferIsRetired", [id]);
    });

    it("rejects a purchase of a retired offer", async () => {
      const { fx } = await loadFixture(offersFixture);
      const id = await publishOffer(fx);
      await fx.market.write.retire([id], { account: fx.seller.account! });
      await expectRevert(purchaseEth(fx, id, 1), "OfferIsRetired", [id]);
      expect(await fx.market.read.entitlementCount()).to.equal(0n);
    });

    it("lets an entitlement bought before the retire still be consumed and claimed", async () => {
      const { fx } = await loadFixture(offersFixture);
      const id = await publishOffer(fx);
      const ent = await purchaseEth(fx, id, 2);
      await fx.market.write.retire([id], { account: fx.seller.account! });
      const { permit } = await consumeAndClaim(fx, ent);
      expect((await fx.market.read.getEntitlement([ent])).consumed).to.equal(1);
      expect((await fx.market.read.getStep([ent, permit.step])).status).to.equal(2); // Claimed
    });
  });

  describe("unknown offers", () => {
    for (const offerId of [0n, 1n, 99n]) {
      it(`rejects reading, retiring and buying the unpublished offer ${offerId}`, async () => {
        const { fx } = await loadFixture(offersFixture);
        await expectRevert(fx.market.read.getOffer([offerId]), "UnknownOffer", [offerId]);
        await expectRevert(fx.market.write.retire([offerId], { account: fx.seller.account! }), "UnknownOffer", [
          offerId,
        ]);
        await expectRevert(purchaseEth(fx, offerId, 1), "UnknownOffer", [offerId]);
      });
    }
  });

  describe("pause and owner powers", () => {
    it("rejects a publish while paused", async () => {
      const { fx } = await loadFixture(offersFixture);
      await fx.market.write.pause({ account: fx.owner.account! });
      await expectRevert(publishWith(fx, {}), "EnforcedPause", []);
      expect(await fx.market.read.offerCount()).to.equal(0n);
    });

    it("rejects a purchase while paused", async () => {
      const { fx } = await loadFixture(offersFixture);
      const id = await publishOffer(fx);
      await fx.market.write.pause({ account: fx.owner.account! });
      await expectRevert(purchaseEth(fx, id, 1), "EnforcedPause", []);
      expect(await fx.market.read.entitlementCount()).to.equal(0n);
    });

    it("resumes publish and purchase after unpause", async () => {
      const { fx } = await loadFixture(offersFixture);
      await fx.market.write.pause({ account: fx.owner.account! });
      await fx.market.write.unpause({ account: fx.owner.account! });
      expect(await fx.market.read.paused()).to.equal(false);
      const ent = await purchaseEth(fx, await publishOffer(fx), 1);
      expect(ent).to.equal(1n);
    });

    it("refuses to renounce ownership while paused, which would freeze publish, purchase and consume", async () => {
      const { fx } = await loadFixture(offersFixture);
      await fx.market.write.pause({ account: fx.owner.account! });
      await expectRevert(fx.market.write.renounceOwnership({ account: fx.owner.account! }), "EnforcedPause", []);
      await fx.market.write.unpause({ account: fx.owner.account! });
      await fx.market.write.renounceOwnership({ account: fx.owner.account! });
      expect(await fx.market.read.owner()).to.equal(zeroAddress);
    });

    it("rejects a pause or unpause by anyone but the owner", async () => {
      const { fx } = await loadFixture(offersFixture);
      const other = getAddress(fx.other.account!.address);
      await expectRevert(fx.market.write.pause({ account: fx.other.account! }), "OwnableUnauthorizedAccount", [other]);
      await fx.market.write.pause({ account: fx.owner.account! });
      await expectRevert(fx.market.write.unpause({ account: fx.other.account! }), "OwnableUnauthorizedAccount", [
        other,
      ]);
      expect(await fx.market.read.paused()).to.equal(true);
    });

    it("gives the owner no function to move, freeze or redirect funds (the external ABI is exactly the known set)", async () => {
      const { fx } = await loadFixture(offersFixture);
      const expected = [
        // Offers
        "MAX_VERIFIERS",
        "getOffer",
        "isAllowedToken",
        "isVerifier",
        "offerCount",
        "publish",
        "retire",
        "termBounds",
        "termsHashOf",
        // Entitlements
        "cancel",
        "entitlementCount",
        "getEntitlement",
        "purchase",
        "setPermitSigner",
        // Step permits
        "ERC1271_GAS_LIMIT",
        "consume",
        "consumeBatch",
        "eip712Domain",
        "hashStepPermit",
        // Settlement
        "accept",
        "claim",
        "dispute",
        "finalize",
        "getStep",
        "hashStepAttestation",
        "reclaim",
        "rule",
        "settleLapsedDispute",
        // Payouts
        "creditOf",
        "withdraw",
        "withdrawTo",
        // Owner: pause only, plus two-step ownership
        "acceptOwnership",
        "owner",
        "pause",
        "paused",
        "pendingOwner",
        "renounceOwnership",
        "transferOwnership",
        "unpause",
      ].sort();
      const functions = fx.market.abi.filter((item) => item.type === "function").map((item) => item.name);
      expect([...functions].sort()).to.deep.equal(expected);
      const payable = fx.market.abi
        .filter((item) => item.type === "function" && item.stateMutability === "payable")
        .map((item) => (item.type === "function" ? item.name : ""));
      expect(payable.sort()).to.deep.equal(["dispute", "purchase"]);
      // No receive or fallback: ETH enters only through purchase and dispute.
      const kinds = new Set<string>(fx.market.abi.map((item) => item.type));
      expect([...kinds].sort()).to.deep.equal(["constructor", "error", "event", "function"]);
    });
  });
});
