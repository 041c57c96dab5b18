import { sign } from "node:crypto";
import { expect } from "chai";
import { canonicalJson } from "../../../client/src/protocol/jcs";
import { type ReceiptEnvelope, signReceipt } from "../../../gateway/src/receipts/envelope";
import { type ReceiptSigner, receiptKeyId } from "../../../gateway/src/receipts/keyid";
import { pae } from "../../../gateway/src/receipts/pae";
import { verifyReceiptEnvelope } from "../../../gateway/src/receipts/verifyEnvelope";
import { expectCode, receipt0, signerA, signerB } from "./fixtures/receiptFixtures";

const TYPE = "application/vnd.swarm.receipt+json";

/** A correctly signed envelope around arbitrary payload bytes: isolates the checks after the signature. */
function signedBody(body: string | Buffer, signer: ReceiptSigner = signerA, type = TYPE): ReceiptEnvelope {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8");
  const sig = sign(null, pae(type, bytes), signer.privateKey).toString("base64");
  return {
    payload: bytes.toString("base64"),
    payloadType: type,
    signatures: [{ keyid: receiptKeyId(signer.publicKey), sig }],
  };
}

const mutate = (e: ReceiptEnvelope, patch: Record<string, unknown>) => ({ ...e, ...patch }) as unknown;

describe("receipts/verifyEnvelope (verifyReceiptEnvelope)", () => {
  it("returns the receipt of a valid envelope", () => {
    const got = verifyReceiptEnvelope(signReceipt(receipt0(), signerA), signerA.publicKey);
    expect(got).to.deep.equal(receipt0());
  });

  it("survives a JSON round trip of the envelope", () => {
    const wire = JSON.parse(JSON.stringify(signReceipt(receipt0(), signerA))) as unknown;
    expect(verifyReceiptEnvelope(wire, signerA.publicKey).seq).to.equal("0");
  });

  it("rejects a tampered payload under the original signature", async () => {
    const good = signReceipt(receipt0(), signerA);
    const forged = signReceipt({ ...receipt0(), subject: { entitlementId: "7", step: "2" } }, signerA);
    await expectCode(
      () => verifyReceiptEnvelope(mutate(good, { payload: forged.payload }), signerA.publicKey),
      "RECEIPT_SIGNATURE_INVALID",
    );
  });

  it("rejects an envelope signed by another key (keyid names the other key)", async () => {
    await expectCode(
      () => verifyReceiptEnvelope(signReceipt(receipt0(), signerB), signerA.publicKey),
      "RECEIPT_KEYID_MISMATCH",
    );
  });

  it("rejects another key's signature relabelled with the expected keyid", async () => {
    const other = signReceipt(receipt0(), signerB);
    const relabelled = mutate(other, {
      signatures: [{ keyid: receiptKeyId(signerA.publicKey), sig: other.signatures[0].sig }],
    });
    await expectCode(() => verifyReceiptEnvelope(relabelled, signerA.publicKey), "RECEIPT_SIGNATURE_INVALID");
  });

  it("rejects a payloadType swapped after signing", async () => {
    const good = signReceipt(receipt0(), signerA);
    await expectCode(
      () => verifyReceiptEnvelope(mutate(good, { payloadType: "application/vnd.in-toto+json" }), signerA.publicKey),
      "RECEIPT_PAYLOAD_TYPE_INVALID",
    );
  });

  it("rejects a validly signed envelope of another payloadType (type confusion)", async () => {
    const other = signedBody(
      Buffer.from(signReceipt(receipt0(), signerA).payload, "base64"),
      signerA,
      "application/json",
    );
    await expectCode(() => verifyReceiptEnvelope(other, signerA.publicKey), "RECEIPT_PAYLOAD_TYPE_INVALID");
  });

  it("rejects a signed payload that is valid JSON but not JCS canonical (whitespace)", async () => {
    const pretty = JSON.stringify(receipt0(), null, 1);
    await expectCode(
      () => verifyReceiptEnvelope(signedBody(pretty), signerA.publicKey),
      "RECEIPT_PAYLOAD_NOT_CANONICAL",
    );
  });

  it("rejects a signed payload with keys out of JCS order", async () => {
    const { seq, ...rest } = receipt0();
    const unordered = JSON.stringify({ seq, ...rest });
    await expectCode(
      () => verifyReceiptEnvelope(signedBody(unordered), signerA.publicKey),
      "RECEIPT_PAYLOAD_NOT_CANONICAL",
    );
  });

  it("rejects a signed payload with a duplicated key (parsers disagree on which wins)", async () => {
    const canonical = Buffer.from(signReceipt(receipt0(), signerA).payload, "base64").toString("utf8");
    const duplicated = canonical.replace('{"actor"', '{"actor":{},"actor"');
    await expectCode(
      () => verifyReceiptEnvelope(signedBody(duplicated), signerA.publicKey),
      "RECEIPT_PAYLOAD_NOT_CANONICAL",
    );
  });

  it("rejects a signed payload that is not UTF-8, or starts with a BOM", async () => {
    await expectCode(
      () => verifyReceiptEnvelope(signedBody(Buffer.from([0x7b, 0xff, 0x7d])), signerA.publicKey),
      "RECEIPT_PAYLOAD_NOT_CANONICAL",
    );
    const canonical = Buffer.from(signReceipt(receipt0(), signerA).payload, "base64");
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), canonical]);
    await expectCode(() => verifyReceiptEnvelope(signedBody(bom), signerA.publicKey), "RECEIPT_PAYLOAD_NOT_CANONICAL");
  });

  it("rejects a signed canonical payload with an extra receipt field", async () => {
    const extra = canonicalJson({ ...receipt0(), zz: "x" });
    await expectCode(() => verifyReceiptEnvelope(signedBody(extra), signerA.publicKey), "RECEIPT_SCHEMA_INVALID");
  });

  it("rejects a signed canonical payload with a number inside result", async () => {
    const numeric = canonicalJson({ ...receipt0(), result: { amount: 5 } });
    await expectCode(() => verifyReceiptEnvelope(signedBody(numeric), signerA.publicKey), "RECEIPT_VALUE_INVALID");
  });

  it("rejects an envelope with an extra field", async () => {
    const good = signReceipt(receipt0(), signerA);
    await expectCode(
      () => verifyReceiptEnvelope(mutate(good, { extra: "x" }), signerA.publicKey),
      "RECEIPT_ENVELOPE_MALFORMED",
    );
  });

  it("rejects a signature entry with an extra field or without keyid", async () => {
    const good = signReceipt(receipt0(), signerA);
    const [s] = good.signatures;
    for (const signatures of [[{ ...s, cert: "x" }], [{ sig: s.sig }]]) {
      await expectCode(
        () => verifyReceiptEnvelope(mutate(good, { signatures }), signerA.publicKey),
        "RECEIPT_ENVELOPE_MALFORMED",
      );
    }
  });

  it("rejects zero or two signatures", async () => {
    const good = signReceipt(receipt0(), signerA);
    for (const signatures of [[], [good.signatures[0], good.signatures[0]]]) {
      await expectCode(
        () => verifyReceiptEnvelope(mutate(good, { signatures }), signerA.publicKey),
        "RECEIPT_ENVELOPE_MALFORMED",
      );
    }
  });

  it("rejects URL-safe or unpadded base64 (one receipt, one line encoding)", async () => {
    // The DSSE "url-safe-base64" vector's payload, which DSSE verifiers accept and this one deliberately does not.
    const urlSafe = signedBody(Buffer.from("fbffbf3e3f", "hex"));
    expect(urlSafe.payload).to.equal("+/+/Pj8=");
    await expectCode(
      () => verifyReceiptEnvelope(mutate(urlSafe, { payload: "-_-_Pj8=" }), signerA.publicKey),
      "RECEIPT_ENVELOPE_MALFORMED",
    );
    const good = signReceipt(receipt0(), signerA);
    const unpadded = good.signatures[0].sig.replace(/=+$/, "");
    const sigs = [{ keyid: good.signatures[0].keyid, sig: unpadded }];
    await expectCode(
      () => verifyReceiptEnvelope(mutate(good, { signatures: sigs }), signerA.publicKey),
      "RECEIPT_ENVELOPE_MALFORMED",
    );
  });

  it("rejects a signature of the wrong length", async () => {
    const good = signReceipt(receipt0(), signerA);
    const sigs = [{ keyid: good.signatures[0].keyid, sig: Buffer.alloc(63).toString("base64") }];
    await expectCode(
      () => verifyReceiptEnvelope(mutate(good, { signatures: sigs }), signerA.publicKey),
      "RECEIPT_ENVELOPE_MALFORMED",
    );
  });

  it("rejects non-objects and arrays", async () => {
    for (const value of [null, "x", 1, [], undefined]) {
      await expectCode(() => verifyReceiptEnvelope(value, signerA.publicKey), "RECEIPT_ENVELOPE_MALFORMED");
    }
  });
});
