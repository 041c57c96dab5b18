import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { ProtocolError } from "../../../../client/src/protocol/errors";
import { GENESIS_PREV, type Hex, pae, verifyLedgerBytes } from "../../../../client/src/protocol/receipts";
import { GatewayError } from "../../../../gateway/src/errors";
import { asReceiptError } from "../../../../gateway/src/receipts/codes";
import { openLedger } from "../../../../gateway/src/receipts/ledger";
import { ISSUER, clock, keyPair, receiptKey } from "../../bundle/support/fullBundle";

const nextKey = keyPair(0x44);

async function ledgerFile(count: number, rotateAt?: number): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), "swarm-client-receipts-"));
  try {
    const ledger = await openLedger({ path: join(dir, "r.ndjson"), signer: receiptKey, issuer: ISSUER, clock });
    for (let i = 0; i < count; i++) {
      if (i === rotateAt) await ledger.rotateKey(nextKey);
      await ledger.append({ kind: "session", subject: { n: String(i) }, actor: {}, intent: {}, result: {} });
    }
    await ledger.close();
    return await readFile(join(dir, "r.ndjson"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const split = (data: Buffer) => data.toString("utf8").trimEnd().split("\n");
const join_ = (lines: string[]) => Buffer.from(lines.map((l) => `${l}\n`).join(""));
const sha = (s: string) => `0x${createHash("sha256").update(s).digest("hex")}` as Hex;

function expectProtocolCode(run: () => unknown, code: string): ProtocolError {
  try {
    run();
  } catch (err) {
    expect(err).to.be.instanceOf(ProtocolError);
    expect((err as ProtocolError).code, (err as Error).message).to.equal(code);
    return err as ProtocolError;
  }
  expect.fail(`expected ${code}`);
}

describe("protocol/receipts/verifyLedgerBytes", () => {
  it("verifies a ledger written by the gateway and returns its receipts and leaves", async () => {
    const data = await ledgerFile(5);
    const v = verifyLedgerBytes(data, { issuer: ISSUER, key: receiptKey.publicKey });
    expect(v.receipts.map((r) => r.seq)).to.deep.equal(["0", "1", "2", "3", "4"]);
    expect(v.lines.map(String)).to.deep.equal(split(data));
    expect(v.lastLineHash).to.equal(sha(split(data)[4]!));
  });

  it("follows a key rotation and verifies later lines under the announced key", async () => {
    const data = await ledgerFile(4, 2);
    const v = verifyLedgerBytes(data, { issuer: ISSUER, key: receiptKey.publicKey });
    expect(v.receipts.map((r) => r.kind)).to.deep.equal(["session", "session", "key-rotation", "session", "session"]);
    expect(v.key.equals(nextKey.publicKey)).to.equal(true);
  });

  it("rejects reordered lines as a broken chain", async () => {
    const lines = split(await ledgerFile(4));
    const err = expectProtocolCode(
      () =>
        verifyLedgerBytes(join_([lines[0]!, lines[2]!, lines[1]!, lines[3]!]), {
          issuer: ISSUER,
          key: receiptKey.publicKey,
        }),
      "LEDGER_CORRUPT",
    );
    expect(err.message).to.match(/line 1: expected seq 1/);
  });

  it("rejects a removed line as a broken chain", async () => {
    const lines = split(await ledgerFile(4));
    expectProtocolCode(
      () => verifyLedgerBytes(join_([lines[0]!, lines[2]!, lines[3]!]), { issuer: ISSUER, key: receiptKey.publicKey }),
      "LEDGER_CORRUPT",
    );
  });

  it("rejects a ledger signed by another key at line 0", async () => {
    const data = await ledgerFile(2);
    expectProtocolCode(
      () => verifyLedgerBytes(data, { issuer: ISSUER, key: nextKey.publicKey }),
      "LEDGER_KEY_MISMATCH",
    );
  });

  it("rejects lines naming another issuer", async () => {
    const data = await ledgerFile(2);
    expectProtocolCode(
      () =>
        verifyLedgerBytes(data, {
          issuer: "eip155:1:0x0000000000000000000000000000000000000001",
          key: receiptKey.publicKey,
        }),
      "LEDGER_ISSUER_MISMATCH",
    );
  });

  it("rejects a file without its final newline (a torn tail is not evidence)", async () => {
    const data = await ledgerFile(2);
    expectProtocolCode(
      () => verifyLedgerBytes(data.subarray(0, data.length - 1), { issuer: ISSUER, key: receiptKey.publicKey }),
      "LEDGER_CORRUPT",
    );
  });

  it("verifies a range from its first seq and prev, and rejects a wrong prev", async () => {
    const lines = split(await ledgerFile(5));
    const range = join_(lines.slice(2));
    const v = verifyLedgerBytes(range, {
      issuer: ISSUER,
      key: receiptKey.publicKey,
      firstSeq: 2,
      firstPrev: sha(lines[1]!),
    });
    expect(v.receipts[0]!.seq).to.equal("2");
    expectProtocolCode(
      () =>
        verifyLedgerBytes(range, { issuer: ISSUER, key: receiptKey.publicKey, firstSeq: 2, firstPrev: GENESIS_PREV }),
      "LEDGER_CORRUPT",
    );
  });

  it("computes the DSSE v1 PAE of the spec's example", () => {
    expect(pae("http://example.com/HelloWorld", Buffer.from("hello world")).toString()).to.equal(
      "DSSEv1 29 http://example.com/HelloWorld 11 hello world",
    );
  });

  it("maps a shared receipt error to the gateway's GatewayError with the same code and status", () => {
    const mapped = asReceiptError(new ProtocolError("RECEIPT_SIGNATURE_INVALID", "bad"));
    expect(mapped).to.be.instanceOf(GatewayError);
    expect((mapped as GatewayError).code).to.equal("RECEIPT_SIGNATURE_INVALID");
    expect((mapped as GatewayError).status).to.equal(400);
    const other = new ProtocolError("SOMETHING_ELSE", "x");
    expect(asReceiptError(other)).to.equal(other);
  });
});
