import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { ProtocolError } from "../../../../client/src/protocol/errors";
import {
  type SignatureVerifier,
  createSignaturePool,
  inlineSignatureVerifier,
  verifyLedgerBytes,
  verifyLedgerBytesWith,
} from "../../../../client/src/protocol/receipts";
import { openLedger } from "../../../../gateway/src/receipts/ledger";
import { ISSUER, clock, receiptKey } from "../../bundle/support/fullBundle";

async function ledgerData(count: number): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), "swarm-pool-"));
  try {
    const ledger = await openLedger({ path: join(dir, "r.ndjson"), signer: receiptKey, issuer: ISSUER, clock });
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        ledger.append({ kind: "session", subject: { n: String(i) }, actor: {}, intent: {}, result: {} }),
      ),
    );
    await ledger.close();
    return await readFile(join(dir, "r.ndjson"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The line with its signature's first byte changed (still strict base64, so only the signature check fails). */
function breakSignature(data: Buffer, index: number): Buffer {
  const lines = data.toString("utf8").trimEnd().split("\n");
  const env = JSON.parse(lines[index]!) as { signatures: { sig: string }[] };
  const sig = Buffer.from(env.signatures[0]!.sig, "base64");
  sig[0] = sig[0]! ^ 0x01;
  lines[index] = lines[index]!.replace(env.signatures[0]!.sig, sig.toString("base64"));
  return Buffer.from(lines.map((l) => `${l}\n`).join(""));
}

async function errorOf(run: () => Promise<unknown> | unknown): Promise<ProtocolError> {
  try {
    await run();
  } catch (err) {
    expect(err).to.be.instanceOf(ProtocolError);
    return err as ProtocolError;
  }
  expect.fail("expected a failure");
}

describe("protocol/receipts/signaturePool", function () {
  this.timeout(60_000);
  let pool: SignatureVerifier;
  let data: Buffer;
  before(async () => {
    pool = createSignaturePool(2);
    data = await ledgerData(40);
  });
  after(() => pool.close());

  it("verifies the same ledger as the sequential pass, with the signatures checked in workers", async () => {
    const expected = { issuer: ISSUER, key: receiptKey.publicKey };
    const sequential = verifyLedgerBytes(data, expected);
    const pooled = await verifyLedgerBytesWith(data, expected, pool);
    expect(pooled.receipts).to.deep.equal(sequential.receipts);
    expect(pooled.lastLineHash).to.equal(sequential.lastLineHash);
  });

  for (const index of [0, 13, 27, 39]) {
    it(`rejects a forged signature at line ${index} with the sequential pass's error, in any slice`, async () => {
      const forged = breakSignature(data, index);
      const expected = { issuer: ISSUER, key: receiptKey.publicKey };
      const sequential = await errorOf(() => verifyLedgerBytes(forged, expected));
      const pooled = await errorOf(() => verifyLedgerBytesWith(forged, expected, pool));
      const inline = await errorOf(() => verifyLedgerBytesWith(forged, expected, inlineSignatureVerifier));
      expect(sequential.code).to.equal("LEDGER_CORRUPT");
      expect(sequential.message).to.match(new RegExp(`^line ${index}: RECEIPT_SIGNATURE_INVALID`));
      expect([pooled.code, pooled.message]).to.deep.equal([sequential.code, sequential.message]);
      expect([inline.code, inline.message]).to.deep.equal([sequential.code, sequential.message]);
      expect((pooled.cause as ProtocolError).code).to.equal("RECEIPT_SIGNATURE_INVALID");
    });
  }

  it("reports a forged signature before a later broken chain link, as the sequential pass does", async () => {
    const lines = breakSignature(data, 5).toString("utf8").trimEnd().split("\n");
    [lines[20], lines[21]] = [lines[21]!, lines[20]!];
    const both = Buffer.from(lines.map((l) => `${l}\n`).join(""));
    const pooled = await errorOf(() =>
      verifyLedgerBytesWith(both, { issuer: ISSUER, key: receiptKey.publicKey }, pool),
    );
    expect(pooled.message).to.match(/^line 5: RECEIPT_SIGNATURE_INVALID/);
    const chainOnly = Buffer.from(
      data
        .toString("utf8")
        .trimEnd()
        .split("\n")
        .map((l, i, a) => `${i === 20 ? a[21] : i === 21 ? a[20] : l}\n`)
        .join(""),
    );
    const broken = await errorOf(() =>
      verifyLedgerBytesWith(chainOnly, { issuer: ISSUER, key: receiptKey.publicKey }, pool),
    );
    expect(broken.message).to.match(/^line 20: expected seq 20/);
  });
});
