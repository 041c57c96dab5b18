import { generateKeyPairSync } from "node:crypto";
import { expect } from "chai";
import {
  publicKeyFromHex,
  publicKeyHex,
  receiptKeyId,
  verifyEd25519PublicKey,
  verifySigner,
} from "../../../gateway/src/receipts/keyid";
import { RFC8032_SEED_1, expectCode, signerA, signerB, signerFromSeed } from "./fixtures/receiptFixtures";

describe("receipts/keyid (receiptKid = RFC 7638 thumbprint)", () => {
  it("computes the RFC 8037 §A.3 thumbprint of the RFC 8032 test key, as 0x hex", () => {
    // RFC 8037 A.3: kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k (base64url) for x = 11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo.
    const kid = receiptKeyId(signerFromSeed(RFC8032_SEED_1).publicKey);
    expect(Buffer.from(kid.slice(2), "hex").toString("base64url")).to.equal(
      "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
    );
    expect(kid).to.equal("0x90facafea9b1556698540f70c0117a22ea37bd5cf3ed3c47093c1707282b4b89");
  });

  it("round-trips a raw public key through 0x hex", () => {
    const hex = publicKeyHex(signerFromSeed(RFC8032_SEED_1).publicKey);
    expect(hex).to.equal("0xd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    expect(receiptKeyId(publicKeyFromHex(hex))).to.equal(receiptKeyId(signerFromSeed(RFC8032_SEED_1).publicKey));
  });

  it("rejects a raw key in uppercase or of the wrong length", async () => {
    await expectCode(() => publicKeyFromHex(`0x${"AB".repeat(32)}`), "RECEIPT_KEY_INVALID");
    await expectCode(() => publicKeyFromHex(`0x${"ab".repeat(31)}`), "RECEIPT_KEY_INVALID");
  });

  it("rejects a non-Ed25519 key or a private key where a public one is expected", async () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    await expectCode(() => verifyEd25519PublicKey(ec.publicKey), "RECEIPT_KEY_INVALID");
    await expectCode(() => verifyEd25519PublicKey(signerA.privateKey), "RECEIPT_KEY_INVALID");
  });

  it("rejects a signer whose private key does not match its public key", async () => {
    await expectCode(
      () => verifySigner({ privateKey: signerA.privateKey, publicKey: signerB.publicKey }),
      "RECEIPT_KEY_INVALID",
    );
  });
});
