import { appendFile } from "node:fs/promises";
import { expect } from "chai";
import { sha256Hex } from "../../../client/src/protocol/jcs";
import { envelopeLine, signReceipt } from "../../../gateway/src/receipts/envelope";
import { publicKeyHex, receiptKeyId } from "../../../gateway/src/receipts/keyid";
import { openLedger } from "../../../gateway/src/receipts/ledger";
import type { Receipt } from "../../../gateway/src/receipts/receipt";
import { rotationReceipt, verifyRotation } from "../../../gateway/src/receipts/rotation";
import { verifyReceiptEnvelope } from "../../../gateway/src/receipts/verifyEnvelope";
import {
  ISSUER,
  entry,
  expectCode,
  fixedClock,
  signerA,
  signerB,
  signerC,
  tempDir,
  verifyLedgerFileIndependently,
} from "./fixtures/receiptFixtures";

describe("receipts/rotation (key rotation announced by the old key)", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const clock = fixedClock().clock;

  beforeEach(async () => {
    tmp = await tempDir();
  });
  afterEach(async () => {
    await tmp.cleanup();
  });

  it("signs the rotation with the old key and every later line with the new one; reopening follows it", async () => {
    const ledger = await openLedger({ path: tmp.path, signer: signerA, issuer: ISSUER, clock });
    await ledger.append(entry(0));
    const [rotation, after] = await Promise.all([ledger.rotateKey(signerB), ledger.append(entry(2))]);
    expect(rotation.envelope.signatures[0].keyid).to.equal(receiptKeyId(signerA.publicKey));
    const announced = verifyReceiptEnvelope(rotation.envelope, signerA.publicKey);
    expect(announced.kind).to.equal("key-rotation");
    expect(announced.subject).to.deep.equal({ receiptKid: receiptKeyId(signerA.publicKey) });
    expect(announced.result).to.deep.equal({
      receiptKid: receiptKeyId(signerB.publicKey),
      publicKey: publicKeyHex(signerB.publicKey),
    });
    expect(after.envelope.signatures[0].keyid).to.equal(receiptKeyId(signerB.publicKey));
    await ledger.close();

    const reopened = await openLedger({
      path: tmp.path,
      signer: signerB,
      genesisPublicKey: signerA.publicKey,
      issuer: ISSUER,
      clock,
    });
    expect(reopened.opened).to.deep.include({ size: 3, rotations: 1 });
    await reopened.rotateKey(signerC);
    await reopened.append(entry(4));
    await reopened.close();
    const receipts = await verifyLedgerFileIndependently(tmp.path, signerA.publicKey);
    expect(receipts.map((r) => r.kind)).to.deep.equal([
      "released",
      "key-rotation",
      "released",
      "key-rotation",
      "released",
    ]);
  });

  it("refuses to reopen a rotated ledger with the retired key as signer (LEDGER_KEY_MISMATCH)", async () => {
    const ledger = await openLedger({ path: tmp.path, signer: signerA, issuer: ISSUER, clock });
    await ledger.rotateKey(signerB);
    await ledger.close();
    await expectCode(
      () => openLedger({ path: tmp.path, signer: signerA, issuer: ISSUER, clock }),
      "LEDGER_KEY_MISMATCH",
    );
  });

  it("refuses to reopen a rotated ledger without the genesis key (LEDGER_KEY_MISMATCH)", async () => {
    const ledger = await openLedger({ path: tmp.path, signer: signerA, issuer: ISSUER, clock });
    await ledger.rotateKey(signerB);
    await ledger.close();
    await expectCode(
      () => openLedger({ path: tmp.path, signer: signerB, issuer: ISSUER, clock }),
      "LEDGER_KEY_MISMATCH",
    );
  });

  it("refuses a line still signed by the retired key after a rotation (LEDGER_CORRUPT)", async () => {
    const ledger = await openLedger({ path: tmp.path, signer: signerA, issuer: ISSUER, clock });
    const rotation = await ledger.rotateKey(signerB);
    await ledger.close();
    const stale = { seq: "1", prev: sha256Hex(rotation.line), issuedAt: "2026-11-23T13:00:00.000Z", issuer: ISSUER };
    await appendFile(tmp.path, envelopeLine(signReceipt({ ...stale, ...entry(1) }, signerA)).toString() + "\n");
    const opening = () =>
      openLedger({ path: tmp.path, signer: signerB, genesisPublicKey: signerA.publicKey, issuer: ISSUER, clock });
    const err = await expectCode(opening, "LEDGER_CORRUPT");
    expect(err.message).to.match(/^line 1: RECEIPT_KEYID_MISMATCH: /);
  });

  it("refuses a rotation whose announced kid is not the thumbprint of its public key (LEDGER_CORRUPT)", async () => {
    const forged = { ...rotationReceipt(signerA.publicKey, signerB.publicKey) };
    const receipt: Receipt = {
      seq: "0",
      prev: `0x${"00".repeat(32)}`,
      issuedAt: "2026-11-23T13:00:00.000Z",
      issuer: ISSUER,
      ...forged,
      result: { receiptKid: receiptKeyId(signerC.publicKey), publicKey: publicKeyHex(signerB.publicKey) },
    };
    await appendFile(tmp.path, envelopeLine(signReceipt(receipt, signerA)).toString() + "\n");
    const err = await expectCode(
      () => openLedger({ path: tmp.path, signer: signerB, genesisPublicKey: signerA.publicKey, issuer: ISSUER, clock }),
      "LEDGER_CORRUPT",
    );
    expect(err.message).to.match(/^line 0: RECEIPT_ROTATION_INVALID: .*thumbprint/);
  });

  it("rejects a rotation naming a key other than the signing key as the one retired", async () => {
    const receipt: Receipt = {
      seq: "0",
      prev: `0x${"00".repeat(32)}`,
      issuedAt: "2026-11-23T13:00:00.000Z",
      issuer: ISSUER,
      ...rotationReceipt(signerC.publicKey, signerB.publicKey),
    };
    await expectCode(() => verifyRotation(receipt, signerA.publicKey), "RECEIPT_ROTATION_INVALID");
    expect(receiptKeyId(verifyRotation(receipt, signerC.publicKey))).to.equal(receiptKeyId(signerB.publicKey));
  });

  it("refuses to rotate to the key already in force", async () => {
    const ledger = await openLedger({ path: tmp.path, signer: signerA, issuer: ISSUER, clock });
    await expectCode(() => ledger.rotateKey(signerA), "RECEIPT_ROTATION_INVALID");
    expect((await ledger.append(entry(0))).seq).to.equal(0);
    await ledger.close();
  });

  it("refuses a key-rotation entry through append, which would skip the handover (RECEIPT_SCHEMA_INVALID)", async () => {
    const ledger = await openLedger({ path: tmp.path, signer: signerA, issuer: ISSUER, clock });
    await expectCode(
      () => ledger.append(rotationReceipt(signerA.publicKey, signerB.publicKey)),
      "RECEIPT_SCHEMA_INVALID",
    );
    await ledger.close();
  });
});
