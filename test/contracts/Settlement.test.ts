import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import {
  type Hex,
  type WalletClient,
  getAddress,
  hexToBigInt,
  numberToHex,
  parseEventLogs,
  parseSignature,
  recoverTypedDataAddress,
  serializeSignature,
  slice,
  zeroAddress,
  zeroHash,
} from "viem";

import {
  type StepAttestation,
  type StepPermit,
  marketDomain,
  stepAttestationTypes,
} from "../../client/src/protocol/eip712";
import { expectRevert } from "../helpers/errors";
import {
  ARBITER_TIMEOUT,
  BOND,
  COMMIT,
  DISPUTE_WINDOW,
  type MarketFixture,
  type OfferTermsInput,
  POLICY_HASH,
  PRICE,
  STEP_TIMEOUT,
  attestationFor,
  certificateHash,
  consumeAndClaim,
  consumeNext,
  marketFixture,
  nextPermit,
  publishOffer,
  purchaseEth,
  signAttestation,
  signAttestationBy,
  signPermit,
  workerKey,
} from "../helpers/market";

/** StepStatus as the contract numbers it. */
const Status = { None: 0, Consumed: 1, Claimed: 2, Disputed: 3, Settled: 4, Refunded: 5 } as const;

/** The order of the secp256k1 group, to build a malleable (high-s) twin of a signature. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const ETH = zeroAddress;

/** A wallet's checksummed address, as the chain reports it. */
function addressOf(w: WalletClient): Hex {
  return getAddress(w.account!.address);
}

/** The i-th verifier wallet (sorted ascending by address). */
function verifier(fx: MarketFixture, i: number): WalletClient {
  return fx.verifierWallets[i]!;
}

/** The market's decoded events of a transaction, in order. */
async function eventsOf(fx: MarketFixture, hash: Hex) {
  const receipt = await fx.publicClient.waitForTransactionReceipt({ hash });
  const logs = receipt.logs.filter((l) => getAddress(l.address) === getAddress(fx.market.address));
  return parseEventLogs({ abi: fx.market.abi, logs }).map((l) => ({ eventName: l.eventName, args: l.args }));
}

/** Publishes an ETH offer with the terms `overrides` returns and buys `steps` of it. */
async function setup(overrides: (fx: MarketFixture) => Partial<OfferTermsInput> = () => ({}), steps = 5) {
  const fx = await marketFixture();
  const offerId = await publishOffer(fx, overrides(fx));
  const id = await purchaseEth(fx, offerId, steps);
  return { fx, offerId, id };
}

/** Publishes an offer paid in the fixture's MockERC20 and buys `steps` of it as the buyer. */
async function setupErc20(steps = 3) {
  const fx = await marketFixture();
  const offerId = await publishOffer(fx, { token: fx.token.address });
  const buyer = fx.buyer.account!;
  const funds = PRICE * BigInt(steps) + BOND;
  await fx.token.write.mint([buyer.address, funds]);
  await fx.token.write.approve([fx.market.address, funds], { account: buyer });
  await fx.market.write.purchase([offerId, steps, zeroAddress], { account: buyer });
  const id = await fx.market.read.entitlementCount();
  return { fx, offerId, id };
}

/** Claims as the keeper with signatures of `signers` (sorted ascending) over `att`. */
async function claimBy(
  fx: MarketFixture,
  permit: StepPermit,
  att: StepAttestation,
  signers: WalletClient[] = [verifier(fx, 0)],
): Promise<Hex> {
  const sigs = await signAttestationBy(fx, signers, att);
  return fx.market.write.claim([permit, att, sigs], { account: fx.keeper.account! });
}

/** Consumes the next step as a genesis step and returns it with its attestation (not yet claimed). */
async function consumeGenesis(fx: MarketFixture, id: bigint, cert: Hex = certificateHash("genesis")) {
  const { permit, digest } = await consumeNext(fx, id, { fromStep: 0 });
  return { permit, digest, att: attestationFor(permit, digest, cert) };
}

/** Consumes and claims the next step as a genesis step (so later disputes are not blocked by continuation). */
async function claimedGenesis(fx: MarketFixture, id: bigint) {
  const { permit, att } = await consumeAndClaim(fx, id, { permit: { fromStep: 0 } });
  return { permit, att };
}

/** Disputes `step` as the buyer, posting exactly the ETH bond. */
async function disputeAsBuyer(fx: MarketFixture, id: bigint, step: number): Promise<Hex> {
  return fx.market.write.dispute([id, step], { account: fx.buyer.account!, value: BOND });
}

/** The withdrawable credit of `who` in `token` (ETH unless given). */
async function creditOf(fx: MarketFixture, who: WalletClient, token: Hex = ETH): Promise<bigint> {
  return fx.market.read.creditOf([token, addressOf(who)]);
}

describe("Settlement", () => {
  describe("getStep", () => {
    it("reads a step that was never consumed as None with zero fields", async () => {
      const { fx, id } = await setup();
      expect(await fx.market.read.getStep([id, 1])).to.deep.equal({
        status: Status.None,
        consumedAt: 0,
        claimedAt: 0,
        disputedAt: 0,
        permitDigestPrefix: slice(zeroHash, 0, 21),
        certificateHash: zeroHash,
      });
    });

    it("records consumedAt and the consumed permit's digest prefix", async () => {
      const { fx, id } = await setup();
      const { digest } = await consumeNext(fx, id);
      const s = await fx.market.read.getStep([id, 1]);
      expect(s.status).to.equal(Status.Consumed);
      expect(s.consumedAt).to.equal(await time.latest());
      expect(s.permitDigestPrefix).to.equal(slice(digest, 0, 21));
      expect(s.claimedAt).to.equal(0);
      expect(s.certificateHash).to.equal(zeroHash);
    });
  });

  describe("claim", () => {
    it("claims a consumed step, stores the certificate and emits StepClaimed", async () => {
      const { fx, id } = await setup();
      const { permit, att } = await consumeGenesis(fx, id, certificateHash(1));
      const hash = await claimBy(fx, permit, att);
      expect(await eventsOf(fx, hash)).to.deep.equal([
        {
          eventName: "StepClaimed",
          args: { entitlementId: id, step: 1, certificateHash: certificateHash(1), prevCertificateHash: zeroHash },
        },
      ]);
      const s = await fx.market.read.getStep([id, 1]);
      expect(s.status).to.equal(Status.Claimed);
      expect(s.claimedAt).to.equal(await time.latest());
      expect(s.certificateHash).to.equal(certificateHash(1));
    });

    it("lets anyone submit the claim, not only the keeper", async () => {
      const { fx, id } = await setup();
      const { permit, att } = await consumeGenesis(fx, id);
      const sigs = await signAttestationBy(fx, [verifier(fx, 0)], att);
      await fx.market.write.claim([permit, att, sigs], { account: fx.other.account! });
      expect((await fx.market.read.getStep([id, 1])).status).to.equal(Status.Claimed);
    });

    it("rejects an attestation for another commit than the offer's", async () => {
      const { fx, id } = await setup();
      const { permit, att } = await consumeGenesis(fx, id);
      const wrong: Hex = "0x2222222222222222222222222222222222222222";
      await expectRevert(claimBy(fx, permit, { ...att, commit: wrong }), "CommitMismatch", [COMMIT, wrong]);
    });

    it("rejects an attestation for another policy than the offer's", async () => {
      const { fx, id } = await setup();
      const { permit, att } = await consumeGenesis(fx, id);
      const wrong = certificateHash("other-policy");
      await expectRevert(claimBy(fx, permit, { ...att, policyHash: wrong }), "PolicyMismatch", [POLICY_HASH, wrong]);
    });

    it("rejects an attestation without a certificate (zero certificate hash)", async () => {
      const { fx, id } = await setup();
      const { permit, att } = await consumeGenesis(fx, id);
      await expectRevert(claimBy(fx, permit, { ...att, certificateHash: zeroHash }), "ZeroCertificateHash", []);
    });

    it("rejects an attestation of another step reused for this step", async () => {
      const { fx, id } = await setup();
      const { permit, att } = await consumeGenesis(fx, id);
      await expectRevert(claimBy(fx, permit, { ...att, step: 2 }), "AttestationTargetMismatch", [id, 2]);
    });

    it("rejects an attestation of another entitlement reused for this one", async () => {
      const { fx, offerId, id } = await setup();
      const otherId = await purchaseEth(fx, offerId, 1);
      const { permit, att } = await consumeGenesis(fx, id);
      await expectRevert(claimBy(fx, permit, { ...att, entitlementId: otherId }), "AttestationTargetMismatch", [
        otherId,
        1,
      ]);
    });

    it("rejects an attestation over another permit than the consumed one", async () => {
      const { fx, id } = await setup();
      const { permit, digest, att } = await consumeGenesis(fx, id);
      const otherDigest = certificateHash("other-permit");
      await expectRevert(claimBy(fx, permit, { ...att, permitDigest: otherDigest }), "AttestedPermitMismatch", [
        digest,
        otherDigest,
      ]);
    });

    it("rejects a claim presenting a permit other than the consumed one (other worker key)", async () => {
      const { fx, id } = await setup();
      const { permit, digest } = await consumeNext(fx, id, { fromStep: 0, workerKey: workerKey(1) });
      const forged = { ...permit, workerKey: workerKey(2) };
      const forgedDigest = await fx.market.read.hashStepPermit([forged]);
      const att = attestationFor(forged, forgedDigest, certificateHash(1));
      await expectRevert(claimBy(fx, forged, att), "PermitDigestMismatch", [
        slice(digest, 0, 21),
        slice(forgedDigest, 0, 21),
      ]);
    });

    it("rejects an attestation signed by the verifiers of another offer (foreign entitlement)", async () => {
      const { fx, id } = await setup();
      const foreign = verifier(fx, 3);
      await publishOffer(fx, { verifiers: [addressOf(foreign)] });
      const { permit, att } = await consumeGenesis(fx, id);
      await expectRevert(claimBy(fx, permit, att, [foreign]), "NotAVerifier", [0n, addressOf(foreign)]);
    });

    it("rejects an attestation signed by an account that is no verifier", async () => {
      const { fx, id } = await setup();
      const { permit, att } = await consumeGenesis(fx, id);
      await expectRevert(claimBy(fx, permit, att, [fx.other]), "NotAVerifier", [0n, addressOf(fx.other)]);
    });

    it("rejects a verifier signature over other attestation content (other certificate)", async () => {
      const { fx, id } = await setup();
      const { permit, att } = await consumeGenesis(fx, id, certificateHash(1));
      const signedAtt = { ...att, certificateHash: certificateHash(2) };
      const sig = await signAttestation(fx, verifier(fx, 0), signedAtt);
      const recovered = await recoverTypedDataAddress({
        domain: marketDomain(fx.chainId, fx.market.address),
        types: stepAttestationTypes,
        primaryType: "StepAttestation",
        message: att,
        signature: sig,
      });
      expect(recovered).to.not.equal(addressOf(verifier(fx, 0)));
      await expectRevert(fx.market.write.claim([permit, att, [sig]], { account: fx.keeper.account! }), "NotAVerifier", [
        0n,
        recovered,
      ]);
    });

    it("rejects one verifier's signature counted twice toward a quorum of two", async () => {
      const { fx, id } = await setup(quorumTwoOfThree);
      const { permit, att } = await consumeGenesis(fx, id);
      const sig = await signAttestation(fx, verifier(fx, 0), att);
      await expectRevert(
        fx.market.write.claim([permit, att, [sig, sig]], { account: fx.keeper.account! }),
        "VerifierSignaturesNotAscending",
        [1n, addressOf(verifier(fx, 0))],
      );
    });

    it("rejects verifier signatures in descending signer order", async () => {
      const { fx, id } = await setup(quorumTwoOfThree);
      const { permit, att } = await consumeGenesis(fx, id);
      const [low, high] = await signAttestationBy(fx, [verifier(fx, 0), verifier(fx, 2)], att);
      await expectRevert(
        fx.market.write.claim([permit, att, [high!, low!]], { account: fx.keeper.account! }),
        "VerifierSignaturesNotAscending",
        [1n, addressOf(verifier(fx, 0))],
      );
    });

    it("rejects a claim below the quorum", async () => {
      const { fx, id } = await setup(quorumTwoOfThree);
      const { permit, att } = await consumeGenesis(fx, id);
      await expectRevert(claimBy(fx, permit, att, [verifier(fx, 1)]), "QuorumNotReached", [1n, 2n]);
    });

    it("rejects a claim without any signature", async () => {
      const { fx, id } = await setup();
      const { permit, att } = await consumeGenesis(fx, id);
      await expectRevert(
        fx.market.write.claim([permit, att, []], { account: fx.keeper.account! }),
        "QuorumNotReached",
        [0n, 1n],
      );
    });

    it("accepts two distinct ascending verifier signatures for a quorum of two of three", async () => {
      const { fx, id } = await setup(quorumTwoOfThree);
      const { permit, att } = await consumeGenesis(fx, id, certificateHash(7));
      const hash = await claimBy(fx, permit, att, [verifier(fx, 2), verifier(fx, 0)]);
      expect(await eventsOf(fx, hash)).to.deep.equal([
        {
          eventName: "StepClaimed",
          args: { entitlementId: id, step: 1, certificateHash: certificateHash(7), prevCertificateHash: zeroHash },
        },
      ]);
      expect((await fx.market.read.getStep([id, 1])).certificateHash).to.equal(certificateHash(7));
    });

    it("rejects a truncated (64-byte) verifier signature", async () => {
      const { fx, id } = await setup(quorumTwoOfThree);
      const { permit, att } = await consumeGenesis(fx, id);
      const [first, second] = await signAttestationBy(fx, [verifier(fx, 0), verifier(fx, 1)], att);
      await expectRevert(
        fx.market.write.claim([permit, att, [first!, slice(second!, 0, 64)]], { account: fx.keeper.account! }),
        "InvalidVerifierSignature",
        [1n],
      );
    });

    it("rejects a malleable (high-s) twin of a valid verifier signature", async () => {
      const { fx, id } = await setup();
      const { permit, att } = await consumeGenesis(fx, id);
      const sig = parseSignature(await signAttestation(fx, verifier(fx, 0), att));
      const twin = serializeSignature({
        r: sig.r,
        s: numberToHex(SECP256K1_N - hexToBigInt(sig.s), { size: 32 }),
        yParity: sig.yParity === 0 ? 1 : 0,
      });
      await expectRevert(
        fx.market.write.claim([permit, att, [twin]], { account: fx.keeper.account! }),
        "InvalidVerifierSignature",
        [0n],
      );
    });

    it("rejects a claim of a step that was never consumed", async () => {
      const { fx, id } = await setup();
      const permit = await nextPermit(fx, id, { fromStep: 0 });
      const att = attestationFor(permit, await fx.market.read.hashStepPermit([permit]), certificateHash(1));
      await expectRevert(claimBy(fx, permit, att), "InvalidStepStatus", [id, 1, Status.Consumed, Status.None]);
    });

    it("rejects a second claim of the same step (certificate swap)", async () => {
      const { fx, id } = await setup();
      const { permit, att } = await consumeGenesis(fx, id, certificateHash(1));
      await claimBy(fx, permit, att);
      await expectRevert(claimBy(fx, permit, { ...att, certificateHash: certificateHash(2) }), "InvalidStepStatus", [
        id,
        1,
        Status.Consumed,
        Status.Claimed,
      ]);
      expect((await fx.market.read.getStep([id, 1])).certificateHash).to.equal(certificateHash(1));
    });

    it("rejects a claim of a step already refunded by reclaim", async () => {
      const { fx, id } = await setup();
      const { permit, att } = await consumeGenesis(fx, id);
      await time.increase(STEP_TIMEOUT);
      await fx.market.write.reclaim([id, 1], { account: fx.keeper.account! });
      await expectRevert(claimBy(fx, permit, att), "InvalidStepStatus", [id, 1, Status.Consumed, Status.Refunded]);
    });
  });

  describe("certificate chain", () => {
    it("rejects a claim whose previous certificate is not the fromStep's certificate", async () => {
      const { fx, id } = await setup();
      await consumeAndClaim(fx, id, { cert: certificateHash(1) });
      const { permit, digest } = await consumeNext(fx, id, { fromStep: 1 });
      const att = attestationFor(permit, digest, certificateHash(2), certificateHash(99));
      await expectRevert(claimBy(fx, permit, att), "PrevCertificateMismatch", [
        certificateHash(1),
        certificateHash(99),
      ]);
    });

    it("rejects a claim continuing from a step that is not claimed yet", async () => {
      const { fx, id } = await setup();
      await consumeNext(fx, id, { fromStep: 0 });
      const { permit, digest } = await consumeNext(fx, id, { fromStep: 1 });
      const att = attestationFor(permit, digest, certificateHash(2), certificateHash(1));
      await expectRevert(claimBy(fx, permit, att), "FromStepNotClaimed", [id, 1]);
    });

    it("rejects a genesis claim that names a previous certificate", async () => {
      const { fx, id } = await setup();
      const { permit, digest } = await consumeNext(fx, id, { fromStep: 0 });
      const att = attestationFor(permit, digest, certificateHash(1), certificateHash(0));
      await expectRevert(claimBy(fx, permit, att), "PrevCertificateMismatch", [zeroHash, certificateHash(0)]);
    });

    it("claims the chain step 1 → step 2 → step 3 with each previous certificate", async () => {
      const { fx, id } = await setup();
      await consumeAndClaim(fx, id, { cert: certificateHash(1), permit: { fromStep: 0 } });
      for (const step of [2, 3]) {
        const { permit, digest } = await consumeNext(fx, id, { fromStep: step - 1 });
        const att = attestationFor(permit, digest, certificateHash(step), certificateHash(step - 1));
        const hash = await claimBy(fx, permit, att);
        expect(await eventsOf(fx, hash)).to.deep.equal([
          {
            eventName: "StepClaimed",
            args: {
              entitlementId: id,
              step,
              certificateHash: certificateHash(step),
              prevCertificateHash: certificateHash(step - 1),
            },
          },
        ]);
      }
      for (const step of [1, 2, 3]) {
        const s = await fx.market.read.getStep([id, step]);
        expect([s.status, s.certificateHash]).to.deep.equal([Status.Claimed, certificateHash(step)]);
      }
    });

    it("claims a branch (step 3 from step 1) against step 1's certificate, not step 2's", async () => {
      const { fx, id } = await setup();
      await consumeAndClaim(fx, id, { cert: certificateHash(1), permit: { fromStep: 0 } });
      await consumeAndClaim(fx, id, { cert: certificateHash(2), prev: certificateHash(1), permit: { fromStep: 1 } });
      const { permit, digest } = await consumeNext(fx, id, { fromStep: 1 });
      await expectRevert(
        claimBy(fx, permit, attestationFor(permit, digest, certificateHash(3), certificateHash(2))),
        "PrevCertificateMismatch",
        [certificateHash(1), certificateHash(2)],
      );
      const hash = await claimBy(fx, permit, attestationFor(permit, digest, certificateHash(3), certificateHash(1)));
      expect(await eventsOf(fx, hash)).to.deep.equal([
        {
          eventName: "StepClaimed",
          args: {
            entitlementId: id,
            step: 3,
            certificateHash: certificateHash(3),
            prevCertificateHash: certificateHash(1),
          },
        },
      ]);
    });
  });

  describe("dispute", () => {
    it("takes exactly the bond in ETH, marks the step disputed and emits StepDisputed", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      const before = await fx.publicClient.getBalance({ address: fx.market.address });
      const hash = await disputeAsBuyer(fx, id, 1);
      expect(await fx.publicClient.getBalance({ address: fx.market.address })).to.equal(before + BOND);
      expect(await eventsOf(fx, hash)).to.deep.equal([
        { eventName: "StepDisputed", args: { entitlementId: id, step: 1, bond: BOND } },
      ]);
      const s = await fx.market.read.getStep([id, 1]);
      expect([s.status, s.disputedAt]).to.deep.equal([Status.Disputed, await time.latest()]);
    });

    it("rejects a dispute that underpays the bond", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      await expectRevert(
        fx.market.write.dispute([id, 1], { account: fx.buyer.account!, value: BOND - 1n }),
        "IncorrectPayment",
        [BOND, BOND - 1n],
      );
      await expectRevert(fx.market.write.dispute([id, 1], { account: fx.buyer.account! }), "IncorrectPayment", [
        BOND,
        0n,
      ]);
    });

    it("rejects a dispute that overpays the bond (stray ETH would be stuck)", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      await expectRevert(
        fx.market.write.dispute([id, 1], { account: fx.buyer.account!, value: BOND + 1n }),
        "IncorrectPayment",
        [BOND, BOND + 1n],
      );
    });

    it("pulls the bond in the offer's ERC-20 and refunds price and bond in it on a ruling for the buyer", async () => {
      const { fx, id } = await setupErc20();
      await claimedGenesis(fx, id);
      const buyer = addressOf(fx.buyer);
      const marketBefore = await fx.token.read.balanceOf([fx.market.address]);
      await fx.market.write.dispute([id, 1], { account: fx.buyer.account! });
      expect(await fx.token.read.balanceOf([fx.market.address])).to.equal(marketBefore + BOND);
      expect(await fx.token.read.balanceOf([buyer])).to.equal(0n);
      await fx.market.write.rule([id, 1, false], { account: fx.arbiter.account! });
      expect(await creditOf(fx, fx.buyer, fx.token.address)).to.equal(PRICE + BOND);
      expect(await creditOf(fx, fx.buyer, ETH)).to.equal(0n);
    });

    it("rejects ETH sent with a dispute of an ERC-20 offer", async () => {
      const { fx, id } = await setupErc20();
      await claimedGenesis(fx, id);
      await expectRevert(
        fx.market.write.dispute([id, 1], { account: fx.buyer.account!, value: 1n }),
        "UnexpectedValue",
        [1n],
      );
    });

    it("rejects a dispute of an ERC-20 offer when the buyer has not approved the bond", async () => {
      const { fx, id } = await setupErc20();
      await claimedGenesis(fx, id);
      await fx.token.write.approve([fx.market.address, 0n], { account: fx.buyer.account! });
      await expectRevert(
        fx.market.write.dispute([id, 1], { account: fx.buyer.account! }),
        "ERC20InsufficientAllowance",
        [getAddress(fx.market.address), 0n, BOND],
        [...fx.market.abi, ...fx.token.abi],
      );
      expect((await fx.market.read.getStep([id, 1])).status).to.equal(Status.Claimed);
    });

    it("rejects a dispute by anyone but the buyer", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      for (const w of [fx.other, fx.seller, fx.arbiter]) {
        await expectRevert(fx.market.write.dispute([id, 1], { account: w.account!, value: BOND }), "NotBuyer", [
          id,
          addressOf(w),
        ]);
      }
    });

    it("rejects a dispute after the dispute window", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      const { claimedAt } = await fx.market.read.getStep([id, 1]);
      const at = claimedAt + DISPUTE_WINDOW + 100;
      await time.setNextBlockTimestamp(at);
      await expectRevert(disputeAsBuyer(fx, id, 1), "WindowClosed", [BigInt(claimedAt + DISPUTE_WINDOW), BigInt(at)]);
    });

    it("rejects a dispute of a step that is only consumed (nothing claimed to contest)", async () => {
      const { fx, id } = await setup();
      await consumeGenesis(fx, id);
      await expectRevert(disputeAsBuyer(fx, id, 1), "InvalidStepStatus", [id, 1, Status.Claimed, Status.Consumed]);
    });

    it("rejects a second dispute of the same step", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      await disputeAsBuyer(fx, id, 1);
      await expectRevert(disputeAsBuyer(fx, id, 1), "InvalidStepStatus", [id, 1, Status.Claimed, Status.Disputed]);
    });

    it("rejects a dispute of an unknown entitlement", async () => {
      const { fx } = await setup();
      await expectRevert(disputeAsBuyer(fx, 999n, 1), "UnknownEntitlement", [999n]);
    });

    it("rejects a dispute of a step the buyer already continued from", async () => {
      const { fx, id } = await setup();
      const { att } = await claimedGenesis(fx, id);
      await consumeAndClaim(fx, id, { prev: att.certificateHash, permit: { fromStep: 1 } });
      await expectRevert(disputeAsBuyer(fx, id, 1), "StepAlreadyContinued", [id, 1, 1]);
      // Step 2 itself has not been continued from and stays disputable.
      await disputeAsBuyer(fx, id, 2);
      expect((await fx.market.read.getStep([id, 2])).status).to.equal(Status.Disputed);
    });

    it("allows a dispute of a claimed step that no later step continued from", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      await consumeNext(fx, id, { fromStep: 0 });
      await disputeAsBuyer(fx, id, 1);
      expect((await fx.market.read.getStep([id, 1])).status).to.equal(Status.Disputed);
    });
  });

  describe("rule", () => {
    it("rules for the seller: seller credited price and bond, step settled", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      await disputeAsBuyer(fx, id, 1);
      const hash = await fx.market.write.rule([id, 1, true], { account: fx.arbiter.account! });
      expect(await eventsOf(fx, hash)).to.deep.equal([
        { eventName: "DisputeRuled", args: { entitlementId: id, step: 1, sellerWins: true } },
        { eventName: "StepSettled", args: { entitlementId: id, step: 1, amount: PRICE + BOND } },
      ]);
      expect(await creditOf(fx, fx.seller)).to.equal(PRICE + BOND);
      expect(await creditOf(fx, fx.buyer)).to.equal(0n);
      expect((await fx.market.read.getStep([id, 1])).status).to.equal(Status.Settled);
    });

    it("rules for the buyer: buyer credited price and bond, step refunded", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      await disputeAsBuyer(fx, id, 1);
      const hash = await fx.market.write.rule([id, 1, false], { account: fx.arbiter.account! });
      expect(await eventsOf(fx, hash)).to.deep.equal([
        { eventName: "DisputeRuled", args: { entitlementId: id, step: 1, sellerWins: false } },
        { eventName: "StepRefunded", args: { entitlementId: id, step: 1, amount: PRICE + BOND } },
      ]);
      expect(await creditOf(fx, fx.buyer)).to.equal(PRICE + BOND);
      expect(await creditOf(fx, fx.seller)).to.equal(0n);
      expect((await fx.market.read.getStep([id, 1])).status).to.equal(Status.Refunded);
    });

    it("rejects a ruling by anyone but the offer's arbiter", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      await disputeAsBuyer(fx, id, 1);
      const arbiter = addressOf(fx.arbiter);
      for (const w of [fx.other, fx.seller, fx.buyer, fx.owner]) {
        await expectRevert(fx.market.write.rule([id, 1, w === fx.seller], { account: w.account! }), "NotArbiter", [
          arbiter,
          addressOf(w),
        ]);
      }
    });

    it("rejects a ruling on a step nobody disputed", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      await expectRevert(fx.market.write.rule([id, 1, false], { account: fx.arbiter.account! }), "InvalidStepStatus", [
        id,
        1,
        Status.Disputed,
        Status.Claimed,
      ]);
    });

    it("rejects a second ruling that would flip the first", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      await disputeAsBuyer(fx, id, 1);
      await fx.market.write.rule([id, 1, true], { account: fx.arbiter.account! });
      await expectRevert(fx.market.write.rule([id, 1, false], { account: fx.arbiter.account! }), "InvalidStepStatus", [
        id,
        1,
        Status.Disputed,
        Status.Settled,
      ]);
      expect(await creditOf(fx, fx.buyer)).to.equal(0n);
    });

    it("rejects a ruling on an unknown entitlement", async () => {
      const { fx } = await setup();
      await expectRevert(
        fx.market.write.rule([999n, 1, true], { account: fx.arbiter.account! }),
        "UnknownEntitlement",
        [999n],
      );
    });
  });

  describe("settleLapsedDispute", () => {
    it("pays the seller the price and returns the bond to the buyer when the arbiter is silent; a keeper may call", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      await disputeAsBuyer(fx, id, 1);
      await time.increase(ARBITER_TIMEOUT);
      const hash = await fx.market.write.settleLapsedDispute([id, 1], { account: fx.keeper.account! });
      expect(await eventsOf(fx, hash)).to.deep.equal([
        { eventName: "DisputeLapsed", args: { entitlementId: id, step: 1 } },
        { eventName: "StepSettled", args: { entitlementId: id, step: 1, amount: PRICE } },
      ]);
      expect(await creditOf(fx, fx.seller)).to.equal(PRICE);
      expect(await creditOf(fx, fx.buyer)).to.equal(BOND);
      expect(await creditOf(fx, fx.keeper)).to.equal(0n);
      expect((await fx.market.read.getStep([id, 1])).status).to.equal(Status.Settled);
    });

    it("rejects settling a lapsed dispute twice", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      await disputeAsBuyer(fx, id, 1);
      await time.increase(ARBITER_TIMEOUT);
      await fx.market.write.settleLapsedDispute([id, 1], { account: fx.keeper.account! });
      await expectRevert(
        fx.market.write.settleLapsedDispute([id, 1], { account: fx.keeper.account! }),
        "InvalidStepStatus",
        [id, 1, Status.Disputed, Status.Settled],
      );
      expect(await creditOf(fx, fx.buyer)).to.equal(BOND);
    });

    it("rejects settling as lapsed a dispute the arbiter already ruled", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      await disputeAsBuyer(fx, id, 1);
      await fx.market.write.rule([id, 1, false], { account: fx.arbiter.account! });
      await time.increase(ARBITER_TIMEOUT);
      await expectRevert(
        fx.market.write.settleLapsedDispute([id, 1], { account: fx.keeper.account! }),
        "InvalidStepStatus",
        [id, 1, Status.Disputed, Status.Refunded],
      );
    });

    it("rejects settling as lapsed a step that was never disputed", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      await time.increase(ARBITER_TIMEOUT);
      await expectRevert(
        fx.market.write.settleLapsedDispute([id, 1], { account: fx.keeper.account! }),
        "InvalidStepStatus",
        [id, 1, Status.Disputed, Status.Claimed],
      );
    });
  });

  describe("accept", () => {
    it("pays the seller at once, inside the dispute window", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      const hash = await fx.market.write.accept([id, 1], { account: fx.buyer.account! });
      expect(await eventsOf(fx, hash)).to.deep.equal([
        { eventName: "StepSettled", args: { entitlementId: id, step: 1, amount: PRICE } },
      ]);
      expect(await creditOf(fx, fx.seller)).to.equal(PRICE);
      expect((await fx.market.read.getStep([id, 1])).status).to.equal(Status.Settled);
    });

    it("rejects an accept by anyone but the buyer (seller paying itself early)", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      for (const w of [fx.seller, fx.other, fx.keeper]) {
        await expectRevert(fx.market.write.accept([id, 1], { account: w.account! }), "NotBuyer", [id, addressOf(w)]);
      }
      expect(await creditOf(fx, fx.seller)).to.equal(0n);
    });

    it("rejects a dispute or a second payout after an accept", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      await fx.market.write.accept([id, 1], { account: fx.buyer.account! });
      await expectRevert(fx.market.write.accept([id, 1], { account: fx.buyer.account! }), "InvalidStepStatus", [
        id,
        1,
        Status.Claimed,
        Status.Settled,
      ]);
      await expectRevert(disputeAsBuyer(fx, id, 1), "InvalidStepStatus", [id, 1, Status.Claimed, Status.Settled]);
      await time.increase(DISPUTE_WINDOW);
      await expectRevert(fx.market.write.finalize([id, 1], { account: fx.keeper.account! }), "InvalidStepStatus", [
        id,
        1,
        Status.Claimed,
        Status.Settled,
      ]);
      expect(await creditOf(fx, fx.seller)).to.equal(PRICE);
    });

    it("rejects an accept that would override a pending dispute", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      await disputeAsBuyer(fx, id, 1);
      await expectRevert(fx.market.write.accept([id, 1], { account: fx.buyer.account! }), "InvalidStepStatus", [
        id,
        1,
        Status.Claimed,
        Status.Disputed,
      ]);
    });

    it("rejects an accept of a step that was consumed but never claimed", async () => {
      const { fx, id } = await setup();
      await consumeGenesis(fx, id);
      await expectRevert(fx.market.write.accept([id, 1], { account: fx.buyer.account! }), "InvalidStepStatus", [
        id,
        1,
        Status.Claimed,
        Status.Consumed,
      ]);
    });
  });

  describe("finalize", () => {
    it("rejects a finalize before the dispute window has passed", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      const { claimedAt } = await fx.market.read.getStep([id, 1]);
      await time.setNextBlockTimestamp(claimedAt + 10);
      await expectRevert(fx.market.write.finalize([id, 1], { account: fx.keeper.account! }), "WindowNotElapsed", [
        BigInt(claimedAt + DISPUTE_WINDOW),
        BigInt(claimedAt + 10),
      ]);
    });

    it("rejects a second finalize (double payout)", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      await time.increase(DISPUTE_WINDOW);
      await fx.market.write.finalize([id, 1], { account: fx.keeper.account! });
      await expectRevert(fx.market.write.finalize([id, 1], { account: fx.keeper.account! }), "InvalidStepStatus", [
        id,
        1,
        Status.Claimed,
        Status.Settled,
      ]);
      expect(await creditOf(fx, fx.seller)).to.equal(PRICE);
    });

    it("rejects a finalize of a disputed step after the dispute window (bypassing the arbiter)", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      await disputeAsBuyer(fx, id, 1);
      await time.increase(DISPUTE_WINDOW);
      await expectRevert(fx.market.write.finalize([id, 1], { account: fx.seller.account! }), "InvalidStepStatus", [
        id,
        1,
        Status.Claimed,
        Status.Disputed,
      ]);
    });

    it("rejects a finalize of a consumed step that was never claimed", async () => {
      const { fx, id } = await setup();
      await consumeGenesis(fx, id);
      await time.increase(DISPUTE_WINDOW);
      await expectRevert(fx.market.write.finalize([id, 1], { account: fx.seller.account! }), "InvalidStepStatus", [
        id,
        1,
        Status.Claimed,
        Status.Consumed,
      ]);
    });
  });

  describe("reclaim", () => {
    it("rejects a reclaim of a claimed step (buyer refunding delivered work)", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      await time.increase(STEP_TIMEOUT);
      await expectRevert(fx.market.write.reclaim([id, 1], { account: fx.buyer.account! }), "InvalidStepStatus", [
        id,
        1,
        Status.Consumed,
        Status.Claimed,
      ]);
    });

    it("rejects a second reclaim (double refund)", async () => {
      const { fx, id } = await setup();
      await consumeGenesis(fx, id);
      await time.increase(STEP_TIMEOUT);
      await fx.market.write.reclaim([id, 1], { account: fx.keeper.account! });
      await expectRevert(fx.market.write.reclaim([id, 1], { account: fx.keeper.account! }), "InvalidStepStatus", [
        id,
        1,
        Status.Consumed,
        Status.Refunded,
      ]);
      expect(await creditOf(fx, fx.buyer)).to.equal(PRICE);
    });

    it("rejects a reclaim of a step that was never consumed", async () => {
      const { fx, id } = await setup();
      await time.increase(STEP_TIMEOUT);
      await expectRevert(fx.market.write.reclaim([id, 1], { account: fx.keeper.account! }), "InvalidStepStatus", [
        id,
        1,
        Status.Consumed,
        Status.None,
      ]);
    });
  });

  describe("windows at their exact boundaries", () => {
    it("allows a claim at consumedAt + stepTimeout - 1", async () => {
      const { fx, id } = await setup();
      const { permit, att } = await consumeGenesis(fx, id);
      const { consumedAt } = await fx.market.read.getStep([id, 1]);
      await time.setNextBlockTimestamp(consumedAt + STEP_TIMEOUT - 1);
      await claimBy(fx, permit, att);
      const s = await fx.market.read.getStep([id, 1]);
      expect([s.status, s.claimedAt]).to.deep.equal([Status.Claimed, consumedAt + STEP_TIMEOUT - 1]);
    });

    it("rejects a claim at exactly consumedAt + stepTimeout", async () => {
      const { fx, id } = await setup();
      const { permit, att } = await consumeGenesis(fx, id);
      const { consumedAt } = await fx.market.read.getStep([id, 1]);
      const end = BigInt(consumedAt + STEP_TIMEOUT);
      await time.setNextBlockTimestamp(end);
      await expectRevert(claimBy(fx, permit, att), "WindowClosed", [end, end]);
    });

    it("rejects a reclaim at consumedAt + stepTimeout - 1", async () => {
      const { fx, id } = await setup();
      await consumeGenesis(fx, id);
      const { consumedAt } = await fx.market.read.getStep([id, 1]);
      const end = BigInt(consumedAt + STEP_TIMEOUT);
      await time.setNextBlockTimestamp(end - 1n);
      await expectRevert(fx.market.write.reclaim([id, 1], { account: fx.keeper.account! }), "WindowNotElapsed", [
        end,
        end - 1n,
      ]);
    });

    it("reclaims at exactly consumedAt + stepTimeout, crediting the buyer the price", async () => {
      const { fx, id } = await setup();
      await consumeGenesis(fx, id);
      const { consumedAt } = await fx.market.read.getStep([id, 1]);
      await time.setNextBlockTimestamp(consumedAt + STEP_TIMEOUT);
      const hash = await fx.market.write.reclaim([id, 1], { account: fx.keeper.account! });
      expect(await eventsOf(fx, hash)).to.deep.equal([
        { eventName: "StepRefunded", args: { entitlementId: id, step: 1, amount: PRICE } },
      ]);
      expect(await creditOf(fx, fx.buyer)).to.equal(PRICE);
      expect(await creditOf(fx, fx.keeper)).to.equal(0n);
      expect((await fx.market.read.getStep([id, 1])).status).to.equal(Status.Refunded);
    });

    it("allows a dispute at claimedAt + disputeWindow - 1", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      const { claimedAt } = await fx.market.read.getStep([id, 1]);
      await time.setNextBlockTimestamp(claimedAt + DISPUTE_WINDOW - 1);
      await disputeAsBuyer(fx, id, 1);
      const s = await fx.market.read.getStep([id, 1]);
      expect([s.status, s.disputedAt]).to.deep.equal([Status.Disputed, claimedAt + DISPUTE_WINDOW - 1]);
    });

    it("rejects a dispute at exactly claimedAt + disputeWindow", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      const { claimedAt } = await fx.market.read.getStep([id, 1]);
      const end = BigInt(claimedAt + DISPUTE_WINDOW);
      await time.setNextBlockTimestamp(end);
      await expectRevert(disputeAsBuyer(fx, id, 1), "WindowClosed", [end, end]);
    });

    it("rejects a finalize at claimedAt + disputeWindow - 1", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      const { claimedAt } = await fx.market.read.getStep([id, 1]);
      const end = BigInt(claimedAt + DISPUTE_WINDOW);
      await time.setNextBlockTimestamp(end - 1n);
      await expectRevert(fx.market.write.finalize([id, 1], { account: fx.keeper.account! }), "WindowNotElapsed", [
        end,
        end - 1n,
      ]);
    });

    it("finalizes at exactly claimedAt + disputeWindow, crediting the seller the price; anyone may call", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      const { claimedAt } = await fx.market.read.getStep([id, 1]);
      await time.setNextBlockTimestamp(claimedAt + DISPUTE_WINDOW);
      const hash = await fx.market.write.finalize([id, 1], { account: fx.other.account! });
      expect(await eventsOf(fx, hash)).to.deep.equal([
        { eventName: "StepSettled", args: { entitlementId: id, step: 1, amount: PRICE } },
      ]);
      expect(await creditOf(fx, fx.seller)).to.equal(PRICE);
      expect(await creditOf(fx, fx.other)).to.equal(0n);
      expect((await fx.market.read.getStep([id, 1])).status).to.equal(Status.Settled);
    });

    it("allows a ruling at disputedAt + arbiterTimeout - 1", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      await disputeAsBuyer(fx, id, 1);
      const { disputedAt } = await fx.market.read.getStep([id, 1]);
      await time.setNextBlockTimestamp(disputedAt + ARBITER_TIMEOUT - 1);
      await fx.market.write.rule([id, 1, true], { account: fx.arbiter.account! });
      expect((await fx.market.read.getStep([id, 1])).status).to.equal(Status.Settled);
    });

    it("rejects a ruling at exactly disputedAt + arbiterTimeout", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      await disputeAsBuyer(fx, id, 1);
      const { disputedAt } = await fx.market.read.getStep([id, 1]);
      const end = BigInt(disputedAt + ARBITER_TIMEOUT);
      await time.setNextBlockTimestamp(end);
      await expectRevert(fx.market.write.rule([id, 1, false], { account: fx.arbiter.account! }), "WindowClosed", [
        end,
        end,
      ]);
    });

    it("rejects settling a lapsed dispute at disputedAt + arbiterTimeout - 1", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      await disputeAsBuyer(fx, id, 1);
      const { disputedAt } = await fx.market.read.getStep([id, 1]);
      const end = BigInt(disputedAt + ARBITER_TIMEOUT);
      await time.setNextBlockTimestamp(end - 1n);
      await expectRevert(
        fx.market.write.settleLapsedDispute([id, 1], { account: fx.keeper.account! }),
        "WindowNotElapsed",
        [end, end - 1n],
      );
    });

    it("settles a lapsed dispute at exactly disputedAt + arbiterTimeout", async () => {
      const { fx, id } = await setup();
      await claimedGenesis(fx, id);
      await disputeAsBuyer(fx, id, 1);
      const { disputedAt } = await fx.market.read.getStep([id, 1]);
      await time.setNextBlockTimestamp(disputedAt + ARBITER_TIMEOUT);
      await fx.market.write.settleLapsedDispute([id, 1], { account: fx.keeper.account! });
      expect(await creditOf(fx, fx.seller)).to.equal(PRICE);
      expect(await creditOf(fx, fx.buyer)).to.equal(BOND);
      expect((await fx.market.read.getStep([id, 1])).status).to.equal(Status.Settled);
    });
  });

  describe("while paused", () => {
    it("still claims, accepts, disputes, rules, settles lapsed disputes, finalizes and reclaims", async () => {
      const { fx, id } = await setup();
      const steps = [];
      for (let i = 0; i < 5; i++) steps.push(await consumeGenesis(fx, id, certificateHash(i + 1)));
      await fx.market.write.pause({ account: fx.owner.account! });
      expect(await fx.market.read.paused()).to.equal(true);
      // The pause is real: consume is blocked.
      const blocked = await nextPermit(fx, id, { fromStep: 0 });
      await expectRevert(
        fx.market.write.consume([blocked, await signPermit(fx, fx.buyer, blocked)], { account: fx.gateway.account! }),
        "EnforcedPause",
        [],
      );

      for (const s of steps.slice(0, 4)) await claimBy(fx, s.permit, s.att);
      await fx.market.write.accept([id, 1], { account: fx.buyer.account! });
      await disputeAsBuyer(fx, id, 2);
      await fx.market.write.rule([id, 2, false], { account: fx.arbiter.account! });
      await disputeAsBuyer(fx, id, 3);
      await time.increase(Math.max(DISPUTE_WINDOW, ARBITER_TIMEOUT, STEP_TIMEOUT));
      await fx.market.write.settleLapsedDispute([id, 3], { account: fx.keeper.account! });
      await fx.market.write.finalize([id, 4], { account: fx.keeper.account! });
      await fx.market.write.reclaim([id, 5], { account: fx.keeper.account! });

      const statuses = [];
      for (const step of [1, 2, 3, 4, 5]) statuses.push((await fx.market.read.getStep([id, step])).status);
      expect(statuses).to.deep.equal([
        Status.Settled,
        Status.Refunded,
        Status.Settled,
        Status.Settled,
        Status.Refunded,
      ]);
      // Seller: steps 1, 3 and 4. Buyer: step 2 with its bond, step 3's bond back, step 5.
      expect(await creditOf(fx, fx.seller)).to.equal(3n * PRICE);
      expect(await creditOf(fx, fx.buyer)).to.equal(PRICE + BOND + BOND + PRICE);
    });
  });

  describe("accounting", () => {
    it("credits exactly what the market holds once every step and bond is settled", async () => {
      const { fx, id } = await setup(() => ({}), 4);
      const steps = [];
      for (let i = 0; i < 4; i++) steps.push(await consumeGenesis(fx, id, certificateHash(i + 1)));
      for (const s of steps.slice(0, 3)) await claimBy(fx, s.permit, s.att);
      await fx.market.write.accept([id, 1], { account: fx.buyer.account! });
      await disputeAsBuyer(fx, id, 2);
      await fx.market.write.rule([id, 2, true], { account: fx.arbiter.account! });
      await disputeAsBuyer(fx, id, 3);
      await fx.market.write.rule([id, 3, false], { account: fx.arbiter.account! });
      await time.increase(STEP_TIMEOUT);
      await fx.market.write.reclaim([id, 4], { account: fx.keeper.account! });
      const held = await fx.publicClient.getBalance({ address: fx.market.address });
      expect(held).to.equal(4n * PRICE + 2n * BOND);
      const credited = (await creditOf(fx, fx.seller)) + (await creditOf(fx, fx.buyer));
      expect(credited).to.equal(held);
      expect(await creditOf(fx, fx.seller)).to.equal(2n * PRICE + BOND);
    });
  });
});

/** Offer terms with three verifiers and a quorum of two. */
function quorumTwoOfThree(fx: MarketFixture): Partial<OfferTermsInput> {
  return { quorum: 2, verifiers: [0, 1, 2].map((i) => addressOf(verifier(fx, i))) };
}
