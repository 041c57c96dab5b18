import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import {
  type Address,
  type Hex,
  type TransactionReceipt,
  type TypedDataDomain,
  type WalletClient,
  compactSignatureToSignature,
  concat,
  decodeErrorResult,
  getAddress,
  hashTypedData,
  parseCompactSignature,
  parseEventLogs,
  parseSignature,
  recoverAddress,
  serializeCompactSignature,
  signatureToCompactSignature,
  toHex,
  zeroAddress,
} from "viem";

import { type StepPermit, marketDomain, stepPermitTypes } from "../../client/src/protocol/eip712";
import { expectRevert } from "../helpers/errors";
import {
  COMMIT,
  DEFAULT_BOUNDS,
  PRICE,
  POLICY_HASH,
  type MarketFixture,
  marketFixture,
  nextPermit,
  offerTerms,
  publishOffer,
  purchaseEth,
  signPermit,
  workerKey,
} from "../helpers/market";

/** The order of the secp256k1 group. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** Wallet1271.Mode */
const Mode = {
  Honest: 0,
  WrongMagic: 1,
  Revert: 2,
  BurnGas: 3,
  HugePayload: 4,
} as const;

/** StepStatus.Consumed */
const STATUS_CONSUMED = 1;

const OTHER_COMMIT: Hex = "0x2222222222222222222222222222222222222222";
const OTHER_POLICY: Hex = "0x3333333333333333333333333333333333333333333333333333333333333333";

function addr(w: WalletClient): Address {
  return getAddress(w.account!.address);
}

/** Signs a permit with an EOA over an arbitrary domain. */
function signPermitIn(signer: WalletClient, domain: TypedDataDomain, permit: StepPermit): Promise<Hex> {
  return signer.signTypedData({
    account: signer.account!,
    domain,
    types: stepPermitTypes,
    primaryType: "StepPermit",
    message: permit,
  });
}

/** The off-chain EIP-712 digest of a permit under the fixture market's domain. */
function digestOf(fx: MarketFixture, permit: StepPermit): Hex {
  return hashTypedData({
    domain: marketDomain(fx.chainId, fx.market.address),
    types: stepPermitTypes,
    primaryType: "StepPermit",
    message: permit,
  });
}

/** Has `from` (the gateway unless told) consume a permit, returning the mined receipt. */
async function consume(
  fx: MarketFixture,
  permit: StepPermit,
  signature: Hex,
  from: WalletClient = fx.gateway,
): Promise<TransactionReceipt> {
  const hash = await fx.market.write.consume([permit, signature], {
    account: from.account!,
  });
  return fx.publicClient.waitForTransactionReceipt({ hash });
}

/** Signs the next permit as `signer` (the buyer unless told) and consumes it. */
async function consumeStep(
  fx: MarketFixture,
  id: bigint,
  overrides: Partial<StepPermit> = {},
  signer: WalletClient = fx.buyer,
): Promise<StepPermit> {
  const permit = await nextPermit(fx, id, overrides);
  await consume(fx, permit, await signPermit(fx, signer, permit));
  return permit;
}

/** One published default offer and an entitlement of `steps` steps bought by the buyer. */
async function setup(steps = 3) {
  const fx = await marketFixture();
  const offerId = await publishOffer(fx);
  const id = await purchaseEth(fx, offerId, steps);
  return { fx, offerId, id, buyer: addr(fx.buyer), gateway: addr(fx.gateway) };
}

async function deployWallet(key: Address, mode: number) {
  return hre.viem.deployContract("Wallet1271", [key, mode]);
}

describe("StepPermits", () => {
  describe("consume", () => {
    it("records the step, advances the counter and emits StepConsumed with the run and worker key", async () => {
      const { fx, id } = await setup();
      const permit = await nextPermit(fx, id, {
        runId: 77n,
        runAttempt: 3,
        workerKey: workerKey(9),
      });
      const signature = await signPermit(fx, fx.buyer, permit);
      const digest = digestOf(fx, permit);

      const { result } = await fx.market.simulate.consume([permit, signature], {
        account: addr(fx.gateway),
      });
      expect(result).to.equal(digest);
      const receipt = await consume(fx, permit, signature);
      const block = await fx.publicClient.getBlock({
        blockNumber: receipt.blockNumber,
      });

      const e = await fx.market.read.getEntitlement([id]);
      expect([e.bought, e.consumed, e.maxFromStep, e.permitSigner]).to.deep.equal([3, 1, 0, zeroAddress]);
      const step = await fx.market.read.getStep([id, 1]);
      expect(step.status).to.equal(STATUS_CONSUMED);
      expect(step.consumedAt).to.equal(Number(block.timestamp));
      expect(step.claimedAt).to.equal(0);
      expect(step.permitDigestPrefix).to.equal(digest.slice(0, 2 + 42));

      const events = parseEventLogs({
        abi: fx.market.abi,
        logs: receipt.logs,
        eventName: "StepConsumed",
      });
      expect(events).to.have.length(1);
      expect(events[0]!.address).to.equal(fx.market.address.toLowerCase());
      expect(events[0]!.args).to.deep.equal({
        entitlementId: id,
        step: 1,
        fromStep: 0,
        permitDigest: digest,
        workerKey: workerKey(9),
        runId: 77n,
        runAttempt: 3,
      });
    });

    it("rejects a permit replayed for a second step", async () => {
      const { fx, id } = await setup();
      const permit = await nextPermit(fx, id);
      const signature = await signPermit(fx, fx.buyer, permit);
      await consume(fx, permit, signature);
      await expectRevert(consume(fx, permit, signature), "StepOutOfOrder", [2, 1]);
      expect((await fx.market.read.getEntitlement([id])).consumed).to.equal(1);
    });

    it("rejects a permit that skips a step", async () => {
      const { fx, id } = await setup();
      const permit = await nextPermit(fx, id, { step: 2, fromStep: 0 });
      await expectRevert(consume(fx, permit, await signPermit(fx, fx.buyer, permit)), "StepOutOfOrder", [1, 2]);
    });

    it("rejects a freshly signed permit repeating the last consumed step", async () => {
      const { fx, id } = await setup();
      await consumeStep(fx, id);
      await consumeStep(fx, id);
      const permit = await nextPermit(fx, id, {
        step: 2,
        fromStep: 1,
        workerKey: workerKey(2),
      });
      await expectRevert(consume(fx, permit, await signPermit(fx, fx.buyer, permit)), "StepOutOfOrder", [3, 2]);
    });

    it("rejects a permit for a step below the consumed ones", async () => {
      const { fx, id } = await setup();
      await consumeStep(fx, id);
      await consumeStep(fx, id);
      const permit = await nextPermit(fx, id, {
        step: 1,
        fromStep: 0,
        workerKey: workerKey(2),
      });
      await expectRevert(consume(fx, permit, await signPermit(fx, fx.buyer, permit)), "StepOutOfOrder", [3, 1]);
    });
  });

  describe("signature domain", () => {
    it("rejects a signature made for another chain id", async () => {
      const { fx, id, buyer } = await setup();
      const permit = await nextPermit(fx, id);
      const signature = await signPermitIn(fx.buyer, marketDomain(fx.chainId + 1, fx.market.address), permit);
      await expectRevert(consume(fx, permit, signature), "InvalidPermitSignature", [buyer]);
    });

    it("rejects a permit consumed on another market and replayed on this one", async () => {
      const { fx, id, buyer } = await setup();
      const market2 = await hre.viem.deployContract("SwarmMarket", [
        addr(fx.owner),
        DEFAULT_BOUNDS,
        [fx.token.address],
      ]);
      await market2.write.publish([offerTerms(fx)], {
        account: fx.seller.account!,
      });
      await market2.write.purchase([1n, 3, zeroAddress], {
        account: fx.buyer.account!,
        value: 3n * PRICE,
      });
      expect(await market2.read.entitlementCount()).to.equal(id);

      const permit = await nextPermit(fx, id);
      const signature = await signPermitIn(fx.buyer, marketDomain(fx.chainId, market2.address), permit);
      await market2.write.consume([permit, signature], {
        account: fx.gateway.account!,
      });
      expect((await market2.read.getEntitlement([id])).consumed).to.equal(1);

      await expectRevert(consume(fx, permit, signature), "InvalidPermitSignature", [buyer]);
    });
  });

  describe("fields changed after signing", () => {
    /** Step 1 consumed; a valid permit for step 2 from step 1 and the buyer's signature over it. */
    async function signedStep2() {
      const s = await setup();
      await consumeStep(s.fx, s.id);
      const permit = await nextPermit(s.fx, s.id, { step: 2, fromStep: 1 });
      const signature = await signPermit(s.fx, s.fx.buyer, permit);
      return { ...s, permit, signature };
    }

    const signatureBound: [string, (p: StepPermit) => Partial<StepPermit>][] = [
      ["fromStep", () => ({ fromStep: 0 })],
      ["runId", (p) => ({ runId: p.runId + 1n })],
      ["runAttempt", (p) => ({ runAttempt: p.runAttempt + 1 })],
      ["workerKey", () => ({ workerKey: workerKey(666) })],
      ["deadline", (p) => ({ deadline: p.deadline + 1n })],
    ];
    for (const [field, change] of signatureBound) {
      it(`rejects a permit whose ${field} was changed after signing`, async () => {
        const { fx, id, buyer, permit, signature } = await signedStep2();
        await expectRevert(consume(fx, { ...permit, ...change(permit) }, signature), "InvalidPermitSignature", [buyer]);
        // The untouched permit still goes through: the change alone caused the rejection.
        await consume(fx, permit, signature);
        expect((await fx.market.read.getEntitlement([id])).consumed).to.equal(2);
      });
    }

    it("rejects a permit moved to another entitlement of the same buyer", async () => {
      const { fx, offerId, id, buyer } = await setup();
      const id2 = await purchaseEth(fx, offerId, 3);
      const permit = await nextPermit(fx, id);
      const signature = await signPermit(fx, fx.buyer, permit);
      await expectRevert(consume(fx, { ...permit, entitlementId: id2 }, signature), "InvalidPermitSignature", [buyer]);
      expect((await fx.market.read.getEntitlement([id2])).consumed).to.equal(0);
    });

    it("rejects a permit whose step was changed after signing", async () => {
      const { fx, permit, signature } = await signedStep2();
      await expectRevert(consume(fx, { ...permit, step: 3 }, signature), "StepOutOfOrder", [2, 3]);
    });

    it("rejects a permit whose commit was changed after signing", async () => {
      const { fx, offerId, permit, signature, gateway } = await signedStep2();
      const expected = (await fx.market.read.getOffer([offerId])).termsHash;
      const got = await fx.market.read.termsHashOf([OTHER_COMMIT, POLICY_HASH, gateway]);
      await expectRevert(consume(fx, { ...permit, commit: OTHER_COMMIT }, signature), "PermitTermsMismatch", [
        expected,
        got,
      ]);
    });

    it("rejects a permit whose policy hash was changed after signing", async () => {
      const { fx, offerId, permit, signature, gateway } = await signedStep2();
      const expected = (await fx.market.read.getOffer([offerId])).termsHash;
      const got = await fx.market.read.termsHashOf([COMMIT, OTHER_POLICY, gateway]);
      await expectRevert(consume(fx, { ...permit, policyHash: OTHER_POLICY }, signature), "PermitTermsMismatch", [
        expected,
        got,
      ]);
    });

    it("rejects a permit whose gateway was changed after signing", async () => {
      const { fx, offerId, permit, signature, gateway } = await signedStep2();
      const other = addr(fx.other);
      const changed = { ...permit, gateway: other };
      // Sent by the offer's gateway: the permit names someone else.
      await expectRevert(consume(fx, changed, signature), "CallerNotGateway", [other, gateway]);
      // Sent by the address it now names: not the offer's gateway.
      const expected = (await fx.market.read.getOffer([offerId])).termsHash;
      const got = await fx.market.read.termsHashOf([COMMIT, POLICY_HASH, other]);
      await expectRevert(consume(fx, changed, signature, fx.other), "PermitTermsMismatch", [expected, got]);
    });

    it("rejects a permit the buyer validly signed for another commit and policy than the offer's", async () => {
      const { fx, offerId, id, gateway } = await setup();
      const permit = await nextPermit(fx, id, {
        commit: OTHER_COMMIT,
        policyHash: OTHER_POLICY,
      });
      const expected = (await fx.market.read.getOffer([offerId])).termsHash;
      const got = await fx.market.read.termsHashOf([OTHER_COMMIT, OTHER_POLICY, gateway]);
      await expectRevert(consume(fx, permit, await signPermit(fx, fx.buyer, permit)), "PermitTermsMismatch", [
        expected,
        got,
      ]);
    });
  });

  describe("caller", () => {
    it("rejects a copied permit sent by an address that is not the gateway", async () => {
      const { fx, id, gateway } = await setup();
      const permit = await nextPermit(fx, id);
      const signature = await signPermit(fx, fx.buyer, permit);
      await expectRevert(consume(fx, permit, signature, fx.other), "CallerNotGateway", [gateway, addr(fx.other)]);
      await consume(fx, permit, signature);
      expect((await fx.market.read.getEntitlement([id])).consumed).to.equal(1);
    });
  });

  describe("deadline", () => {
    it("accepts a permit consumed at exactly its deadline", async () => {
      const { fx, id } = await setup();
      const deadline = BigInt(await time.latest()) + 100n;
      const permit = await nextPermit(fx, id, { deadline });
      const signature = await signPermit(fx, fx.buyer, permit);
      await time.setNextBlockTimestamp(deadline);
      const receipt = await consume(fx, permit, signature);
      expect((await fx.publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp).to.equal(deadline);
      expect((await fx.market.read.getStep([id, 1])).consumedAt).to.equal(Number(deadline));
    });

    it("rejects a permit consumed one second past its deadline", async () => {
      const { fx, id } = await setup();
      const deadline = BigInt(await time.latest()) + 100n;
      const permit = await nextPermit(fx, id, { deadline });
      const signature = await signPermit(fx, fx.buyer, permit);
      await time.setNextBlockTimestamp(deadline + 1n);
      await expectRevert(consume(fx, permit, signature), "PermitExpired", [deadline, deadline + 1n]);
    });

    it("rejects a permit with a zero deadline", async () => {
      const { fx, id } = await setup();
      const permit = await nextPermit(fx, id, { deadline: 0n });
      await expectRevert(consume(fx, permit, await signPermit(fx, fx.buyer, permit)), "ZeroDeadline", []);
    });
  });

  describe("signature encoding", () => {
    it("rejects the malleable high-s twin of a valid signature", async () => {
      const { fx, id, buyer } = await setup();
      const permit = await nextPermit(fx, id);
      const signature = await signPermit(fx, fx.buyer, permit);
      const { r, s, v } = parseSignature(signature);
      const highS = SECP256K1_N - BigInt(s);
      expect(highS > SECP256K1_N / 2n).to.equal(true);
      const twin = concat([r, toHex(highS, { size: 32 }), toHex(v === 27n ? 28 : 27, { size: 1 })]);
      // The twin is the same signature to secp256k1: it recovers the buyer.
      expect(await recoverAddress({ hash: digestOf(fx, permit), signature: twin })).to.equal(buyer);
      await expectRevert(consume(fx, permit, twin), "InvalidPermitSignature", [buyer]);
      await consume(fx, permit, signature);
    });

    it("rejects the 64-byte EIP-2098 compact form of a valid signature", async () => {
      const { fx, id, buyer } = await setup();
      const permit = await nextPermit(fx, id);
      const signature = await signPermit(fx, fx.buyer, permit);
      const compact = serializeCompactSignature(signatureToCompactSignature(parseSignature(signature)));
      expect((compact.length - 2) / 2).to.equal(64);
      const expanded = compactSignatureToSignature(parseCompactSignature(compact));
      expect(
        await recoverAddress({
          hash: digestOf(fx, permit),
          signature: expanded,
        }),
      ).to.equal(buyer);
      await expectRevert(consume(fx, permit, compact), "InvalidPermitSignature", [buyer]);
      await consume(fx, permit, signature);
    });
  });

  describe("ERC-1271 signer", () => {
    async function walletSetup(mode: number) {
      const s = await setup();
      const wallet = await deployWallet(addr(s.fx.other), mode);
      const id = await purchaseEth(s.fx, s.offerId, 3, {
        signer: wallet.address,
      });
      const permit = await nextPermit(s.fx, id);
      const signature = await signPermit(s.fx, s.fx.other, permit);
      return {
        ...s,
        id,
        wallet,
        walletAddress: getAddress(wallet.address),
        permit,
        signature,
      };
    }

    it("accepts a permit an honest wallet validates", async () => {
      const { fx, id, walletAddress, permit, signature } = await walletSetup(Mode.Honest);
      expect((await fx.market.read.getEntitlement([id])).permitSigner).to.equal(walletAddress);
      await consume(fx, permit, signature);
      expect((await fx.market.read.getEntitlement([id])).consumed).to.equal(1);
    });

    const hostile: [string, number][] = [
      ["answers with the wrong magic value", Mode.WrongMagic],
      ["reverts", Mode.Revert],
      ["answers with a huge payload", Mode.HugePayload],
    ];
    for (const [what, mode] of hostile) {
      it(`rejects a permit when the wallet ${what}`, async () => {
        const { fx, id, wallet, walletAddress, permit, signature } = await walletSetup(mode);
        await expectRevert(consume(fx, permit, signature), "InvalidPermitSignature", [walletAddress]);
        // The same permit and signature pass once the wallet answers honestly.
        await wallet.write.setMode([Mode.Honest]);
        await consume(fx, permit, signature);
        expect((await fx.market.read.getEntitlement([id])).consumed).to.equal(1);
      });
    }

    it("rejects a permit when the wallet burns all gas, spending no more than the 50,000 cap", async () => {
      const { fx, walletAddress, permit, signature } = await walletSetup(Mode.BurnGas);
      expect(await fx.market.read.ERC1271_GAS_LIMIT()).to.equal(50_000n);
      // A fixed, generous gas limit: an uncapped call would burn nearly all of it.
      const sent = fx.market.write.consume([permit, signature], {
        account: fx.gateway.account!,
        gas: 2_000_000n,
      });
      await expectRevert(sent, "InvalidPermitSignature", [walletAddress]);
      const block = await fx.publicClient.getBlock({ blockTag: "latest" });
      expect(block.transactions).to.have.length(1);
      const receipt = await fx.publicClient.getTransactionReceipt({
        hash: block.transactions[0]!,
      });
      expect(receipt.status).to.equal("reverted");
      expect(receipt.gasUsed < 200_000n, `gasUsed ${receipt.gasUsed}`).to.equal(true);
    });

    it("rejects the rotated-out key's signature and accepts the new key's", async () => {
      const { fx, id, wallet, walletAddress, permit, signature } = await walletSetup(Mode.Honest);
      await wallet.write.rotate([addr(fx.delegate)]);
      await expectRevert(consume(fx, permit, signature), "InvalidPermitSignature", [walletAddress]);
      await consume(fx, permit, await signPermit(fx, fx.delegate, permit));
      expect((await fx.market.read.getEntitlement([id])).consumed).to.equal(1);
    });
  });

  describe("permit signer delegate", () => {
    it("rejects the buyer's own signature once a delegate signs", async () => {
      const { fx, offerId } = await setup();
      const delegate = addr(fx.delegate);
      const id = await purchaseEth(fx, offerId, 3, { signer: delegate });
      expect((await fx.market.read.getEntitlement([id])).permitSigner).to.equal(delegate);
      const permit = await nextPermit(fx, id);
      await expectRevert(consume(fx, permit, await signPermit(fx, fx.buyer, permit)), "InvalidPermitSignature", [
        delegate,
      ]);
      await consume(fx, permit, await signPermit(fx, fx.delegate, permit));
      expect((await fx.market.read.getEntitlement([id])).consumed).to.equal(1);
    });

    it("rejects the removed delegate's signature after the buyer clears it", async () => {
      const { fx, offerId, buyer } = await setup();
      const id = await purchaseEth(fx, offerId, 3, {
        signer: addr(fx.delegate),
      });
      await fx.market.write.setPermitSigner([id, zeroAddress], {
        account: fx.buyer.account!,
      });
      expect((await fx.market.read.getEntitlement([id])).permitSigner).to.equal(zeroAddress);
      const permit = await nextPermit(fx, id);
      await expectRevert(consume(fx, permit, await signPermit(fx, fx.delegate, permit)), "InvalidPermitSignature", [
        buyer,
      ]);
      await consume(fx, permit, await signPermit(fx, fx.buyer, permit));
      expect((await fx.market.read.getEntitlement([id])).consumed).to.equal(1);
    });
  });

  describe("entitlement bounds", () => {
    it("rejects a step beyond the steps bought", async () => {
      const { fx, id } = await setup(2);
      await consumeStep(fx, id);
      await consumeStep(fx, id);
      const permit = await nextPermit(fx, id);
      expect(permit.step).to.equal(3);
      await expectRevert(consume(fx, permit, await signPermit(fx, fx.buyer, permit)), "StepsExhausted", [3, 2]);
    });

    it("rejects a step after the buyer cancelled the rest", async () => {
      const { fx, id } = await setup(3);
      await consumeStep(fx, id);
      const permit = await nextPermit(fx, id);
      const signature = await signPermit(fx, fx.buyer, permit);
      await fx.market.write.cancel([id], { account: fx.buyer.account! });
      await expectRevert(consume(fx, permit, signature), "StepsExhausted", [2, 1]);
    });

    it("rejects a permit for an unknown entitlement", async () => {
      const { fx, id } = await setup();
      const permit = { ...(await nextPermit(fx, id)), entitlementId: 99n };
      await expectRevert(consume(fx, permit, await signPermit(fx, fx.buyer, permit)), "UnknownEntitlement", [99n]);
    });
  });

  describe("run binding and continuation", () => {
    it("rejects a zero worker key", async () => {
      const { fx, id } = await setup();
      const permit = await nextPermit(fx, id, {
        workerKey: "0x0000000000000000000000000000000000000000000000000000000000000000",
      });
      await expectRevert(consume(fx, permit, await signPermit(fx, fx.buyer, permit)), "ZeroWorkerKey", []);
    });

    it("rejects an unbound run when the offer does not allow one", async () => {
      const { fx, id } = await setup();
      const permit = await nextPermit(fx, id, { runId: 0n, runAttempt: 0 });
      await expectRevert(consume(fx, permit, await signPermit(fx, fx.buyer, permit)), "UnboundRunNotAllowed", [id]);
    });

    it("accepts an unbound run with attempt 0 when the offer allows it", async () => {
      const fx = await marketFixture();
      const id = await purchaseEth(fx, await publishOffer(fx, { allowUnboundRuns: true }), 3);
      const permit = await nextPermit(fx, id, { runId: 0n, runAttempt: 0 });
      const receipt = await consume(fx, permit, await signPermit(fx, fx.buyer, permit));
      const [event] = parseEventLogs({
        abi: fx.market.abi,
        logs: receipt.logs,
        eventName: "StepConsumed",
      });
      expect([event!.args.runId, event!.args.runAttempt]).to.deep.equal([0n, 0]);
      expect((await fx.market.read.getEntitlement([id])).consumed).to.equal(1);
    });

    it("rejects an unbound run that names an attempt", async () => {
      const fx = await marketFixture();
      const id = await purchaseEth(fx, await publishOffer(fx, { allowUnboundRuns: true }), 3);
      const permit = await nextPermit(fx, id, { runId: 0n, runAttempt: 2 });
      await expectRevert(consume(fx, permit, await signPermit(fx, fx.buyer, permit)), "UnboundRunAttempt", [2]);
    });

    it("rejects a permit continuing from its own step", async () => {
      const { fx, id } = await setup();
      const permit = await nextPermit(fx, id, { step: 1, fromStep: 1 });
      await expectRevert(consume(fx, permit, await signPermit(fx, fx.buyer, permit)), "FromStepNotBeforeStep", [1, 1]);
    });

    it("rejects a permit continuing from a later step", async () => {
      const { fx, id } = await setup();
      await consumeStep(fx, id);
      const permit = await nextPermit(fx, id, { step: 2, fromStep: 3 });
      await expectRevert(consume(fx, permit, await signPermit(fx, fx.buyer, permit)), "FromStepNotBeforeStep", [3, 2]);
    });

    it("allows a branch from an earlier step and raises maxFromStep only upwards", async () => {
      const { fx, id } = await setup(4);
      await consumeStep(fx, id, { fromStep: 0 });
      await consumeStep(fx, id, { fromStep: 1 });
      await consumeStep(fx, id, { fromStep: 1 });
      expect((await fx.market.read.getEntitlement([id])).maxFromStep).to.equal(1);
      await consumeStep(fx, id, { fromStep: 3 });
      expect((await fx.market.read.getEntitlement([id])).maxFromStep).to.equal(3);
      const e = await fx.market.read.getEntitlement([id]);
      expect([e.consumed, e.maxFromStep]).to.deep.equal([4, 3]);
    });

    it("keeps maxFromStep when a later step restarts from genesis", async () => {
      const { fx, id } = await setup(3);
      await consumeStep(fx, id, { fromStep: 0 });
      await consumeStep(fx, id, { fromStep: 1 });
      await consumeStep(fx, id, { fromStep: 0 });
      const e = await fx.market.read.getEntitlement([id]);
      expect([e.consumed, e.maxFromStep]).to.deep.equal([3, 1]);
    });
  });

  describe("consumeBatch", () => {
    it("skips a gas-burning wallet's and a cancelled entitlement's permits and consumes the valid ones", async () => {
      const { fx, offerId, id: a } = await setup();
      const burner = await deployWallet(addr(fx.other), Mode.BurnGas);
      const b = await purchaseEth(fx, offerId, 3, { signer: burner.address });
      const c = await purchaseEth(fx, offerId, 2);
      const d = await purchaseEth(fx, offerId, 3);
      await fx.market.write.cancel([c], { account: fx.buyer.account! });

      const permits = [
        await nextPermit(fx, a),
        await nextPermit(fx, b),
        await nextPermit(fx, c),
        await nextPermit(fx, d, { workerKey: workerKey(4) }),
      ];
      const signatures = [
        await signPermit(fx, fx.buyer, permits[0]!),
        await signPermit(fx, fx.other, permits[1]!),
        await signPermit(fx, fx.buyer, permits[2]!),
        await signPermit(fx, fx.buyer, permits[3]!),
      ];

      const { result } = await fx.market.simulate.consumeBatch([permits, signatures], {
        account: addr(fx.gateway),
      });
      expect(result).to.deep.equal([true, false, false, true]);

      const hash = await fx.market.write.consumeBatch([permits, signatures], {
        account: fx.gateway.account!,
      });
      const receipt = await fx.publicClient.waitForTransactionReceipt({ hash });
      expect(receipt.status).to.equal("success");
      expect(receipt.gasUsed < 400_000n, `gasUsed ${receipt.gasUsed}`).to.equal(true);

      const skipped = parseEventLogs({
        abi: fx.market.abi,
        logs: receipt.logs,
        eventName: "StepConsumeSkipped",
      });
      expect(skipped.map((l) => [l.args.entitlementId, l.args.step, l.args.index])).to.deep.equal([
        [b, 1, 1n],
        [c, 1, 2n],
      ]);
      const reasons = skipped.map((l) => decodeErrorResult({ abi: fx.market.abi, data: l.args.reason }));
      expect(reasons.map((r) => [r.errorName, r.args])).to.deep.equal([
        ["InvalidPermitSignature", [getAddress(burner.address)]],
        ["StepsExhausted", [1, 0]],
      ]);

      const consumed = parseEventLogs({
        abi: fx.market.abi,
        logs: receipt.logs,
        eventName: "StepConsumed",
      });
      expect(consumed.map((l) => [l.args.entitlementId, l.args.step, l.args.permitDigest])).to.deep.equal([
        [a, 1, digestOf(fx, permits[0]!)],
        [d, 1, digestOf(fx, permits[3]!)],
      ]);
      const counts = await Promise.all(
        [a, b, c, d].map(async (x) => (await fx.market.read.getEntitlement([x])).consumed),
      );
      expect(counts).to.deep.equal([1, 0, 0, 1]);
      expect((await fx.market.read.getStep([b, 1])).status).to.equal(0);
    });

    it("rejects a batch whose permits and signatures differ in number", async () => {
      const { fx, id } = await setup();
      const p1 = await nextPermit(fx, id);
      const p2 = await nextPermit(fx, id, { step: 2, fromStep: 1 });
      await expectRevert(
        fx.market.write.consumeBatch([[p1, p2], [await signPermit(fx, fx.buyer, p1)]], {
          account: fx.gateway.account!,
        }),
        "BatchLengthMismatch",
        [2n, 1n],
      );
    });

    it("skips the second of two permits for the same step in one batch", async () => {
      const { fx, id } = await setup();
      const p1 = await nextPermit(fx, id, { workerKey: workerKey(1) });
      const p2 = await nextPermit(fx, id, { workerKey: workerKey(2) });
      const signatures = [await signPermit(fx, fx.buyer, p1), await signPermit(fx, fx.buyer, p2)];
      const { result } = await fx.market.simulate.consumeBatch([[p1, p2], signatures], {
        account: addr(fx.gateway),
      });
      expect(result).to.deep.equal([true, false]);
      const hash = await fx.market.write.consumeBatch([[p1, p2], signatures], {
        account: fx.gateway.account!,
      });
      const receipt = await fx.publicClient.waitForTransactionReceipt({ hash });
      const [skip, ...rest] = parseEventLogs({
        abi: fx.market.abi,
        logs: receipt.logs,
        eventName: "StepConsumeSkipped",
      });
      expect(rest).to.have.length(0);
      expect([skip!.args.entitlementId, skip!.args.step, skip!.args.index]).to.deep.equal([id, 1, 1n]);
      const reason = decodeErrorResult({
        abi: fx.market.abi,
        data: skip!.args.reason,
      });
      expect([reason.errorName, reason.args]).to.deep.equal(["StepOutOfOrder", [2, 1]]);
      const [event] = parseEventLogs({
        abi: fx.market.abi,
        logs: receipt.logs,
        eventName: "StepConsumed",
      });
      expect(event!.args.workerKey).to.equal(workerKey(1));
      expect((await fx.market.read.getEntitlement([id])).consumed).to.equal(1);
    });
  });

  describe("pause", () => {
    it("stops consume and consumeBatch while the owner has paused the market, and resumes on unpause", async () => {
      const { fx, id } = await setup();
      const permit = await nextPermit(fx, id);
      const signature = await signPermit(fx, fx.buyer, permit);
      await fx.market.write.pause({ account: fx.owner.account! });
      await expectRevert(consume(fx, permit, signature), "EnforcedPause", []);
      await expectRevert(
        fx.market.write.consumeBatch([[permit], [signature]], {
          account: fx.gateway.account!,
        }),
        "EnforcedPause",
        [],
      );
      await fx.market.write.unpause({ account: fx.owner.account! });
      await consume(fx, permit, signature);
      expect((await fx.market.read.getEntitlement([id])).consumed).to.equal(1);
    });

    it("rejects a pause by anyone but the owner", async () => {
      const { fx, id } = await setup();
      await expectRevert(fx.market.write.pause({ account: fx.other.account! }), "OwnableUnauthorizedAccount", [
        addr(fx.other),
      ]);
      await expectRevert(fx.market.write.pause({ account: fx.gateway.account! }), "OwnableUnauthorizedAccount", [
        addr(fx.gateway),
      ]);
      expect(await fx.market.read.paused()).to.equal(false);
      await consumeStep(fx, id);
    });
  });
});
