import { appendFile, readFile, stat, truncate, writeFile } from "node:fs/promises";
import { expect } from "chai";
import { sha256Hex } from "../../../client/src/protocol/jcs";
import { envelopeLine, signReceipt } from "../../../gateway/src/receipts/envelope";
import { openLedger } from "../../../gateway/src/receipts/ledger";
import { GENESIS_PREV, type Hex, MAX_LINE_BYTES } from "../../../gateway/src/receipts/receipt";
import {
  ISSUER,
  entry,
  expectCode,
  fixedClock,
  signerA,
  tempDir,
  verifyLedgerFileIndependently,
} from "./fixtures/receiptFixtures";

describe("receipts/recoverLedger (verify on open, torn-tail repair)", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const open = () => openLedger({ path: tmp.path, signer: signerA, issuer: ISSUER, clock: fixedClock().clock });

  /** Writes `n` lines through the ledger and returns the file's lines (without newlines). */
  async function seed(n: number): Promise<string[]> {
    const ledger = await open();
    await Promise.all(Array.from({ length: n }, (_, i) => ledger.append(entry(i))));
    await ledger.close();
    return (await readFile(tmp.path, "utf8")).split("\n").slice(0, n);
  }

  /** A correctly signed line with any seq and prev: what a forger holding the key, or a buggy writer, produces. */
  function craftedLine(seq: number, prev: Hex): string {
    const receipt = { seq: String(seq), prev, issuedAt: "2026-11-23T13:00:00.000Z", issuer: ISSUER, ...entry(seq) };
    return envelopeLine(signReceipt(receipt, signerA)).toString("utf8");
  }

  beforeEach(async () => {
    tmp = await tempDir();
  });
  afterEach(async () => {
    await tmp.cleanup();
  });

  it("removes a torn last line (cut mid-line) and keeps every complete line", async () => {
    const lines = await seed(10);
    const complete = Buffer.byteLength(lines.slice(0, 9).join("\n") + "\n");
    await truncate(tmp.path, complete + 100);
    const ledger = await open();
    expect(ledger.opened.size).to.equal(9);
    expect(ledger.opened.repair).to.deep.equal({ offset: complete, removedBytes: 100, reason: "unterminated-tail" });
    expect((await stat(tmp.path)).size).to.equal(complete);
    expect((await ledger.append(entry("after"))).seq).to.equal(9);
    await ledger.close();
    expect(await verifyLedgerFileIndependently(tmp.path, signerA.publicKey)).to.have.length(10);
  });

  it("keeps exactly the complete lines for a cut at any byte of the last three lines", async () => {
    const lines = await seed(6);
    const original = await readFile(tmp.path);
    const ends = lines.map((_, i) => Buffer.byteLength(lines.slice(0, i + 1).join("\n") + "\n"));
    for (let cut = ends[2]!; cut <= original.length; cut += 37) {
      await writeFile(tmp.path, original.subarray(0, cut));
      const ledger = await open();
      expect(ledger.opened.size, `cut at ${cut}`).to.equal(ends.filter((e) => e <= cut).length);
      await ledger.close();
    }
  });

  it("removes a line cut just before its newline (complete JSON, never acknowledged)", async () => {
    const lines = await seed(3);
    const original = await readFile(tmp.path);
    await writeFile(tmp.path, original.subarray(0, original.length - 1));
    const ledger = await open();
    expect(ledger.opened.size).to.equal(2);
    expect(ledger.opened.repair?.removedBytes).to.equal(Buffer.byteLength(lines[2]!));
    await ledger.close();
  });

  it("removes a zero-filled tail left by a crash, with or without a newline", async () => {
    await seed(4);
    await appendFile(tmp.path, Buffer.alloc(5000));
    let ledger = await open();
    expect(ledger.opened.repair?.reason).to.equal("unterminated-tail");
    expect(ledger.opened.size).to.equal(4);
    await ledger.close();
    await appendFile(tmp.path, Buffer.concat([Buffer.alloc(300), Buffer.from("\n")]));
    ledger = await open();
    expect(ledger.opened.repair).to.deep.include({ reason: "unreadable-last-line", removedBytes: 301 });
    expect(ledger.opened.size).to.equal(4);
    await ledger.close();
  });

  it("refuses a flipped byte in a middle line instead of truncating (LEDGER_CORRUPT)", async () => {
    const lines = await seed(9);
    const original = await readFile(tmp.path);
    const at = Buffer.byteLength(lines.slice(0, 4).join("\n") + "\n") + 40; // inside line 4's base64 payload
    const flipped = Buffer.from(original);
    flipped[at] = flipped[at] === 0x41 ? 0x42 : 0x41;
    await writeFile(tmp.path, flipped);
    const err = await expectCode(open, "LEDGER_CORRUPT");
    expect(err.message).to.match(/^line 4: /);
    expect((await readFile(tmp.path)).equals(flipped), "the file is left untouched").to.equal(true);
  });

  it("refuses an unreadable line that is followed by more lines (LEDGER_CORRUPT)", async () => {
    const lines = await seed(5);
    const broken = [...lines];
    broken[2] = broken[2]!.replace("{", "[");
    await writeFile(tmp.path, broken.join("\n") + "\n");
    const err = await expectCode(open, "LEDGER_CORRUPT");
    expect(err.message).to.match(/^line 2: unreadable/);
  });

  it("refuses a correctly signed line whose prev does not match the previous line (LEDGER_CORRUPT)", async () => {
    const lines = await seed(3);
    await appendFile(tmp.path, craftedLine(3, `0x${"11".repeat(32)}`) + "\n");
    await appendFile(tmp.path, craftedLine(4, sha256Hex(lines[2]!)) + "\n");
    const err = await expectCode(open, "LEDGER_CORRUPT");
    expect(err.message).to.match(/^line 3: expected prev/);
  });

  it("refuses a bad last line that parses: only an unparsable tail counts as torn (LEDGER_CORRUPT)", async () => {
    const lines = await seed(3);
    await appendFile(tmp.path, craftedLine(3, sha256Hex(lines[1]!)) + "\n");
    await expectCode(open, "LEDGER_CORRUPT");
  });

  it("refuses a deleted middle line and swapped lines (LEDGER_CORRUPT)", async () => {
    const lines = await seed(5);
    await writeFile(tmp.path, [lines[0], lines[1], lines[3], lines[4]].join("\n") + "\n");
    await expectCode(open, "LEDGER_CORRUPT");
    await writeFile(tmp.path, [lines[0], lines[2], lines[1], lines[3]].join("\n") + "\n");
    await expectCode(open, "LEDGER_CORRUPT");
  });

  it("refuses a line re-serialized with different whitespace (LEDGER_CORRUPT)", async () => {
    const lines = await seed(3);
    const respaced = JSON.stringify(JSON.parse(lines[1]!), null, 0).replace('":', '": ');
    await writeFile(tmp.path, [lines[0], respaced, lines[2]].join("\n") + "\n");
    const err = await expectCode(open, "LEDGER_CORRUPT");
    expect(err.message).to.match(/^line 1: expected the envelope in JCS/);
  });

  it("refuses a first line with a non-zero prev (LEDGER_CORRUPT)", async () => {
    await writeFile(tmp.path, craftedLine(0, sha256Hex("x")) + "\n");
    await expectCode(open, "LEDGER_CORRUPT");
    await writeFile(tmp.path, craftedLine(0, GENESIS_PREV) + "\n");
    const ledger = await open();
    expect(ledger.opened.size).to.equal(1);
    await ledger.close();
  });

  it("refuses an over-long line in the middle (LEDGER_CORRUPT)", async () => {
    const lines = await seed(2);
    await writeFile(tmp.path, [lines[0], "x".repeat(MAX_LINE_BYTES + 1), lines[1]].join("\n") + "\n");
    await expectCode(open, "LEDGER_CORRUPT");
  });
});
