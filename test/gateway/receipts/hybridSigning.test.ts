import { expect } from "chai";

import { mlDsaKeyFromSeed, verifyHybridEnvelope } from "../../../client/src/protocol/hybrid";
import type { HybridEnvelope } from "../../../client/src/protocol/hybrid";
import { envelopeLine, signReceipt } from "../../../gateway/src/receipts/envelope";
import { receipt0, signerA } from "./fixtures/receiptFixtures";

describe("receipts/envelope (hybrid signReceipt)", () => {
  const mlDsa = mlDsaKeyFromSeed(new Uint8Array(32).fill(7));

  it("adds an ML-DSA-65 signature after the Ed25519 one when the signer is hybrid", () => {
    const plain = signReceipt(receipt0(), signerA);
    const hybrid = signReceipt(receipt0(), { ...signerA, mlDsa }) as unknown as HybridEnvelope;
    expect(hybrid.signatures).to.have.length(2);
    expect(hybrid.signatures[0]).to.deep.equal(plain.signatures[0]);
    expect(hybrid.payload).to.equal(plain.payload);
    const result = verifyHybridEnvelope(hybrid, {
      ed25519: signerA.publicKey,
      mlDsa: mlDsa.publicKey,
      requireHybrid: true,
    });
    expect(result).to.deep.equal({ ed25519: "valid", mlDsa: "valid" });
    expect(envelopeLine(hybrid as never).length).to.be.lessThan(8 * 1024);
  });

  it("signs Ed25519 only when no ML-DSA key is configured (the default)", () => {
    expect(signReceipt(receipt0(), signerA).signatures).to.have.length(1);
  });
});
