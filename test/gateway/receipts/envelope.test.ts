import { verify } from "node:crypto";
import { expect } from "chai";
import { canonicalJson, sha256Hex } from "../../../client/src/protocol/jcs";
import { decodeStrictBase64, envelopeLine, signReceipt } from "../../../gateway/src/receipts/envelope";
import { receiptKeyId } from "../../../gateway/src/receipts/keyid";
import { MAX_LINE_BYTES, type Receipt } from "../../../gateway/src/receipts/receipt";
import { ISSUER, expectCode, receipt0, signerA } from "./fixtures/receiptFixtures";

/** The worked example of docs/drafts/receipts.md: signer seed 0x11 × 32, no boolean in result. */
const DOC_EXAMPLE_LINE =
  '{"payload":"eyJhY3RvciI6eyJzdWIiOiJyZXBvOmFjbWUvYnVpbGQ6cmVmOnJlZnMvaGVhZHMvbWFpbiJ9LCJpbnRlbnQiOnsicGVybWl0RGlnZXN0IjoiMHhhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiIn0sImlzc3VlZEF0IjoiMjAyNi0xMS0yM1QxMzowMDowMC4wMDBaIiwiaXNzdWVyIjoiZWlwMTU1OjMxMzM3OjB4NWZiZGIyMzE1Njc4YWZlY2IzNjdmMDMyZDkzZjY0MmY2NDE4MGFhMyIsImtpbmQiOiJyZWxlYXNlZCIsInByZXYiOiIweDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAiLCJyZXN1bHQiOnsidHhIYXNoIjoiMHhjZGNkY2RjZGNkY2RjZGNkY2RjZGNkY2RjZGNkY2RjZGNkY2RjZGNkY2RjZGNkY2RjZGNkY2RjZGNkY2RjZGNkIn0sInNlcSI6IjAiLCJzdWJqZWN0Ijp7ImVudGl0bGVtZW50SWQiOiI3Iiwic3RlcCI6IjEifX0=","payloadType":"application/vnd.swarm.receipt+json","signatures":[{"keyid":"0xbda24fb5e7febcf9c6008584d7daa530f0d8586684477cde78933fdebd563bb1","sig":"91QW187/vnm3GrYBedXIDzarbfz9VB5dGmo9btyD9ZE2c6ZsE2VqrW4LU4G42B+KCNhZQzfEqfc+BZeDfeCxAg=="}]}';

describe("receipts/envelope (signReceipt)", () => {
  it("produces the documented example line byte for byte (a vector for other implementations)", () => {
    const result = { txHash: receipt0().result.txHash! };
    const line = envelopeLine(signReceipt({ ...receipt0(), result }, signerA));
    expect(line.toString("utf8")).to.equal(DOC_EXAMPLE_LINE);
    expect(sha256Hex(line)).to.equal("0x84e8aa64f781e908be3c1f5e76b96eb936c6a776557a8cde507fd744df297710");
  });

  it("puts the receipt's JCS bytes, in standard padded base64, in a DSSE envelope with the receiptKid", () => {
    const envelope = signReceipt(receipt0(), signerA);
    expect(Object.keys(envelope).sort()).to.deep.equal(["payload", "payloadType", "signatures"]);
    expect(envelope.payloadType).to.equal("application/vnd.swarm.receipt+json");
    const payload = Buffer.from(envelope.payload, "base64").toString("utf8");
    expect(payload).to.equal(
      '{"actor":{"sub":"repo:acme/build:ref:refs/heads/main"},"intent":{"permitDigest":"0x' +
        "ab".repeat(32) +
        '"},"issuedAt":"2026-11-23T13:00:00.000Z","issuer":"' +
        ISSUER +
        '","kind":"released","prev":"0x' +
        "00".repeat(32) +
        '","result":{"ok":true,"txHash":"0x' +
        "cd".repeat(32) +
        '"},"seq":"0","subject":{"entitlementId":"7","step":"1"}}',
    );
    expect(envelope.signatures).to.have.length(1);
    expect(envelope.signatures[0].keyid).to.equal(receiptKeyId(signerA.publicKey));
    expect(decodeStrictBase64(envelope.payload)).to.not.equal(undefined);
  });

  it("signs exactly the DSSE PAE string an independent verifier would build", () => {
    const envelope = signReceipt(receipt0(), signerA);
    const body = Buffer.from(envelope.payload, "base64");
    const type = "application/vnd.swarm.receipt+json";
    const paeText = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${body.length} `), body]);
    expect(verify(null, paeText, signerA.publicKey, Buffer.from(envelope.signatures[0].sig, "base64"))).to.equal(true);
  });

  it("is deterministic: the same receipt and key give the same line bytes", () => {
    expect(
      envelopeLine(signReceipt(receipt0(), signerA)).equals(envelopeLine(signReceipt(receipt0(), signerA))),
    ).to.equal(true);
  });

  it("makes the ledger line the JCS bytes of the envelope, with no newline", () => {
    const envelope = signReceipt(receipt0(), signerA);
    const line = envelopeLine(envelope);
    expect(line.toString("utf8")).to.equal(canonicalJson(envelope));
    expect(line.includes(0x0a)).to.equal(false);
  });

  it("refuses to sign a receipt carrying a number instead of a decimal string", async () => {
    const bad = { ...receipt0(), subject: { step: 1 } } as unknown as Receipt;
    await expectCode(() => signReceipt(bad, signerA), "RECEIPT_VALUE_INVALID");
  });

  it("refuses to sign a receipt whose line would exceed the line limit", async () => {
    const big = { ...receipt0(), result: { blob: "a".repeat(MAX_LINE_BYTES) } };
    await expectCode(() => envelopeLine(signReceipt(big, signerA)), "RECEIPT_TOO_LARGE");
  });

  it("accepts only standard padded base64 with zero pad bits", () => {
    expect(decodeStrictBase64("aGk=")?.toString()).to.equal("hi");
    expect(decodeStrictBase64("aGl=")).to.equal(undefined); // non-zero pad bits
    expect(decodeStrictBase64("aGk")).to.equal(undefined); // no padding
    expect(decodeStrictBase64("-_-_")).to.equal(undefined); // URL-safe alphabet
    expect(decodeStrictBase64("aG k=")).to.equal(undefined);
  });
});
