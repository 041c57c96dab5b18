import { expect } from "chai";
import hre from "hardhat";
import { concat, getAddress, hexToBigInt, numberToHex, slice, zeroHash } from "viem";

import { marketDomain, stepPermitTypes } from "../../../client/src/protocol/eip712";
import { createMarketReader } from "../../../gateway/src/chain/marketReader";
import { GatewayError } from "../../../gateway/src/errors";
import { parseStepPermit, stepPermitToJson } from "../../../gateway/src/permits/schema";
import { verifyPermitAgainstChain } from "../../../gateway/src/permits/verifyAgainstChain";
import { verifyPermitFields } from "../../../gateway/src/permits/verifyFields";
import { permitDigest, verifyPermitSignature } from "../../../gateway/src/permits/verifySignature";
import {
  type MarketFixture,
  marketFixture,
  nextPermit,
  publishOffer,
  purchaseEth,
  signPermit,
} from "../../helpers/market";

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

async function refusal(fn: () => unknown): Promise<GatewayError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
  throw new Error("expected a GatewayError");
}

async function setup(overrides: { allowUnboundRuns?: boolean } = {}) {
  const fx = await marketFixture();
  const id = await purchaseEth(fx, await publishOffer(fx, overrides), 2);
  const reader = createMarketReader(fx.publicClient, fx.market.address, 0n);
  const entitlement = await reader.entitlement(id);
  const offer = await reader.offer(entitlement.offerId);
  const permit = await nextPermit(fx, id);
  return { fx, id, reader, entitlement, offer, permit, gateway: getAddress(fx.gateway.account.address) };
}

function domainOf(fx: MarketFixture) {
  return marketDomain(fx.chainId, fx.market.address);
}

describe("gateway/permits", () => {
  describe("parseStepPermit", () => {
    it("round-trips the JSON form", async () => {
      const { permit } = await setup();
      const parsed = parseStepPermit(stepPermitToJson(permit));
      expect(stepPermitToJson(parsed)).to.deep.equal(stepPermitToJson(permit));
      expect(parsed.gateway).to.equal(getAddress(permit.gateway));
    });

    it("rejects numbers where decimal strings belong, uppercase hex, extra fields and overflow", async () => {
      const { permit } = await setup();
      const json = stepPermitToJson(permit);
      for (const bad of [
        { ...json, step: 1 },
        { ...json, workerKey: json.workerKey.toUpperCase().replace("0X", "0x") },
        { ...json, extra: "1" },
        { ...json, step: "4294967296" },
        { ...json, deadline: "01" },
        null,
        "permit",
      ]) {
        const err = await refusal(() => parseStepPermit(bad));
        expect([err.code, err.status]).to.deep.equal(["PERMIT_MALFORMED", 400]);
      }
    });
  });

  describe("verifyPermitFields", () => {
    it("refuses a zero deadline, an expired permit, a zero worker key, an unbound attempt, a bad fromStep, another gateway", async () => {
      const { permit, gateway } = await setup();
      const now = permit.deadline;
      const cases: [Partial<typeof permit>, string][] = [
        [{ deadline: 0n }, "PERMIT_ZERO_DEADLINE"],
        [{ deadline: now - 1n }, "PERMIT_EXPIRED"],
        [{ workerKey: zeroHash }, "PERMIT_ZERO_WORKER_KEY"],
        [{ runId: 0n, runAttempt: 1 }, "PERMIT_UNBOUND_ATTEMPT"],
        [{ fromStep: 1 }, "PERMIT_FROM_STEP_INVALID"],
        [{ gateway: getAddress("0x00000000000000000000000000000000000000ee") }, "PERMIT_WRONG_GATEWAY"],
      ];
      for (const [change, code] of cases) {
        const err = await refusal(() => verifyPermitFields({ ...permit, ...change }, { gateway, now }));
        expect([err.code, err.status]).to.deep.equal([code, 403]);
      }
      verifyPermitFields(permit, { gateway, now }); // at exactly the deadline: accepted
    });
  });

  describe("verifyPermitAgainstChain", () => {
    it("refuses a permit for another step, past the steps bought, unbound where forbidden, or for other terms", async () => {
      const { permit, entitlement, offer } = await setup();
      const cases: [Partial<typeof permit>, Partial<typeof entitlement>, string][] = [
        [{ step: 2, fromStep: 1 }, {}, "PERMIT_STEP_OUT_OF_ORDER"],
        [{}, { bought: 0 }, "PERMIT_STEPS_EXHAUSTED"],
        [{ runId: 0n, runAttempt: 0 }, {}, "PERMIT_UNBOUND_NOT_ALLOWED"],
        [{ commit: "0x2222222222222222222222222222222222222222" }, {}, "PERMIT_COMMIT_MISMATCH"],
        [{ policyHash: `0x${"33".repeat(32)}` }, {}, "PERMIT_POLICY_MISMATCH"],
      ];
      for (const [p, e, code] of cases) {
        const err = await refusal(() =>
          verifyPermitAgainstChain({ ...permit, ...p }, { entitlement: { ...entitlement, ...e }, offer }),
        );
        expect(err.code).to.equal(code);
      }
      verifyPermitAgainstChain(permit, { entitlement, offer });
    });

    it("accepts an unbound run when the offer allows it", async () => {
      const { permit, entitlement, offer } = await setup({ allowUnboundRuns: true });
      verifyPermitAgainstChain({ ...permit, runId: 0n, runAttempt: 0 }, { entitlement, offer });
    });
  });

  describe("verifyPermitSignature", () => {
    it("accepts the buyer's signature and the digest the contract computes", async () => {
      const { fx, permit, entitlement } = await setup();
      const digest = permitDigest(permit, domainOf(fx));
      expect(digest).to.equal(await fx.market.read.hashStepPermit([permit]));
      await verifyPermitSignature(digest, await signPermit(fx, fx.buyer, permit), entitlement.signer, fx.publicClient);
    });

    it("refuses a signature by someone other than the entitlement's signer", async () => {
      const { fx, permit, entitlement } = await setup();
      const digest = permitDigest(permit, domainOf(fx));
      const sig = await signPermit(fx, fx.other, permit);
      const err = await refusal(() => verifyPermitSignature(digest, sig, entitlement.signer, fx.publicClient));
      expect(err.code).to.equal("PERMIT_SIGNATURE_INVALID");
    });

    it("refuses a permit signed for another chain or another market", async () => {
      const { fx, permit, entitlement } = await setup();
      const digest = permitDigest(permit, domainOf(fx));
      for (const domain of [
        marketDomain(fx.chainId + 1, fx.market.address),
        marketDomain(fx.chainId, fx.gateway.account.address),
      ]) {
        const sig = await fx.buyer.signTypedData({
          account: fx.buyer.account,
          domain,
          types: stepPermitTypes,
          primaryType: "StepPermit",
          message: permit,
        });
        const err = await refusal(() => verifyPermitSignature(digest, sig, entitlement.signer, fx.publicClient));
        expect(err.code).to.equal("PERMIT_SIGNATURE_INVALID");
      }
    });

    it("refuses the high-s twin and the 64-byte compact form of a valid signature, as the contract does", async () => {
      const { fx, permit, entitlement } = await setup();
      const digest = permitDigest(permit, domainOf(fx));
      const sig = await signPermit(fx, fx.buyer, permit);
      const r = slice(sig, 0, 32);
      const s = hexToBigInt(slice(sig, 32, 64));
      const v = Number(hexToBigInt(slice(sig, 64, 65)));
      const twin = concat([
        r,
        numberToHex(SECP256K1_N - s, { size: 32 }),
        numberToHex(v === 27 ? 28 : 27, { size: 1 }),
      ]);
      const yParity = BigInt(v - 27) << 255n;
      const compact = concat([r, numberToHex(s | yParity, { size: 32 })]);
      for (const bad of [twin, compact]) {
        const err = await refusal(() => verifyPermitSignature(digest, bad, entitlement.signer, fx.publicClient));
        expect(err.code).to.equal("PERMIT_SIGNATURE_INVALID");
      }
    });

    it("accepts an honest ERC-1271 wallet and refuses wallets that burn gas, revert or answer wrongly", async () => {
      const fx = await marketFixture();
      const key = fx.delegate;
      const honest = await hre.viem.deployContract("Wallet1271", [key.account.address, 0]);
      const id = await purchaseEth(fx, await publishOffer(fx), 1, { signer: honest.address });
      const permit = await nextPermit(fx, id);
      const digest = permitDigest(permit, domainOf(fx));
      const sig = await signPermit(fx, key, permit);
      await verifyPermitSignature(digest, sig, honest.address, fx.publicClient);
      for (const mode of [1, 2, 3, 4]) {
        await honest.write.setMode([mode]);
        const err = await refusal(() => verifyPermitSignature(digest, sig, honest.address, fx.publicClient));
        expect(err.code, `mode ${mode}`).to.equal("PERMIT_SIGNATURE_INVALID");
      }
    });
  });
});
