import { readFile } from "node:fs/promises";
import { expect } from "chai";
import { sha256Hex } from "../../../client/src/protocol/jcs";
import { type LedgerFs, nodeLedgerFs } from "../../../gateway/src/receipts/ledgerFs";
import { type ReceiptLedger, openLedger } from "../../../gateway/src/receipts/ledger";
import { MAX_RANGE } from "../../../gateway/src/receipts/ledgerTypes";
import { GENESIS_PREV } from "../../../gateway/src/receipts/receipt";
import { verifyReceiptEnvelope } from "../../../gateway/src/receipts/verifyEnvelope";
import {
  ISSUER,
  countingFs,
  entry,
  expectCode,
  fixedClock,
  signerA,
  signerB,
  tempDir,
  verifyLedgerFileIndependently,
} from "./fixtures/receiptFixtures";

describe("receipts/ledger (ReceiptLedger)", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const open = (extra: { fs?: LedgerFs; maxQueuedBytes?: number } = {}) =>
    openLedger({ path: tmp.path, signer: signerA, issuer: ISSUER, clock: fixedClock().clock, ...extra });

  beforeEach(async () => {
    tmp = await tempDir();
  });
  afterEach(async () => {
    await tmp.cleanup();
  });

  it("keeps a chain of 1,000 appends verifiable after reopening", async () => {
    const ledger = await open();
    for (let i = 0; i < 1000; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => ledger.append(entry(i + j))));
    }
    const head = ledger.head();
    await ledger.close();
    const reopened = await open();
    expect(reopened.opened).to.deep.equal({ size: 1000, rotations: 0, repair: undefined });
    expect(reopened.head()).to.deep.equal(head);
    const receipts = await verifyLedgerFileIndependently(tmp.path, signerA.publicKey);
    expect(receipts.map((r) => r.subject.step)).to.deep.equal(Array.from({ length: 1000 }, (_, i) => String(i)));
    await reopened.close();
  });

  it("gives 500 concurrent appends distinct consecutive seqs in call order, and the chain verifies", async () => {
    const ledger = await open();
    const lines = await Promise.all(Array.from({ length: 500 }, (_, i) => ledger.append(entry(i))));
    expect(lines.map((l) => l.seq)).to.deep.equal(Array.from({ length: 500 }, (_, i) => i));
    for (const l of lines)
      expect(verifyReceiptEnvelope(l.envelope, signerA.publicKey).subject.step).to.equal(String(l.seq));
    await ledger.close();
    expect(await verifyLedgerFileIndependently(tmp.path, signerA.publicKey)).to.have.length(500);
  });

  it("batches appends that arrive during a write+fsync into one write+fsync (group commit)", async () => {
    const counting = countingFs();
    const ledger = await open({ fs: counting.fs });
    await Promise.all(Array.from({ length: 500 }, (_, i) => ledger.append(entry(i))));
    expect(counting.syncs(), "500 appends in one tick").to.be.at.most(2);
    // 20 writers each awaiting its previous append: every fsync in flight collects the others' next lines.
    const before = counting.syncs();
    await Promise.all(
      Array.from({ length: 20 }, async (_, w) => {
        for (let i = 0; i < 25; i++) await ledger.append(entry(`${w}-${i}`));
      }),
    );
    const syncs = counting.syncs() - before;
    expect(syncs * 5, `${syncs} fsyncs for 500 appends`).to.be.at.most(500);
    expect(counting.writes()).to.equal(counting.syncs());
    await ledger.close();
    expect(await verifyLedgerFileIndependently(tmp.path, signerA.publicKey)).to.have.length(1000);
  });

  it("acknowledges an append only after the fsync covering its line returned", async () => {
    let release: () => void = () => undefined;
    let syncing = false;
    const gated: LedgerFs = {
      async open(path) {
        const o = await nodeLedgerFs.open(path);
        const sync = async () => {
          syncing = true;
          await new Promise<void>((r) => (release = r));
          await o.file.sync();
        };
        return { ...o, file: { ...o.file, sync } };
      },
    };
    const ledger = await open({ fs: gated });
    let acked = false;
    const pending = ledger.append(entry(0)).then(() => (acked = true));
    while (!syncing) await new Promise((r) => setImmediate(r));
    expect(acked, "acked before fsync").to.equal(false);
    expect(ledger.head().size, "a line not yet durable is not in the head").to.equal(0);
    await expectCode(() => ledger.get(0), "RECEIPT_NOT_FOUND");
    release();
    await pending;
    expect(acked).to.equal(true);
    expect((await ledger.get(0)).seq).to.equal(0);
    await ledger.close();
  });

  it("finishes every line when the OS takes only part of each write (short writes)", async () => {
    const stingy: LedgerFs = {
      async open(path) {
        const o = await nodeLedgerFs.open(path);
        const write = (data: Buffer, position: number) => o.file.write(data.subarray(0, 333), position);
        return { ...o, file: { ...o.file, write } };
      },
    };
    const ledger = await open({ fs: stingy });
    await Promise.all(Array.from({ length: 30 }, (_, i) => ledger.append(entry(i))));
    await ledger.append(entry(30));
    await ledger.close();
    expect(await verifyLedgerFileIndependently(tmp.path, signerA.publicKey)).to.have.length(31);
  });

  it("refuses the batch and every later append after a failed fsync (LEDGER_WRITE_FAILED)", async () => {
    const counting = countingFs();
    const ledger = await open({ fs: counting.fs });
    await ledger.append(entry(0));
    counting.failNext("sync");
    const failures = await Promise.allSettled([ledger.append(entry(1)), ledger.append(entry(2))]);
    const codes = failures.map((f) => (f.status === "rejected" ? (f.reason as { code: string }).code : "fulfilled"));
    expect(codes).to.deep.equal(["LEDGER_WRITE_FAILED", "LEDGER_WRITE_FAILED"]);
    await expectCode(() => ledger.append(entry(3)), "LEDGER_WRITE_FAILED");
    expect(ledger.head().size).to.equal(1);
    await ledger.close();
  });

  it("refuses appends beyond the queued-bytes cap without taking a seq (LEDGER_OVERLOADED)", async () => {
    const ledger = await open({ maxQueuedBytes: 70_000 });
    const settled = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => ledger.append(entry(i))));
    const ok = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value.seq] : []));
    const refused = settled.flatMap((s) => (s.status === "rejected" ? [(s.reason as { code: string }).code] : []));
    expect(refused.length).to.be.greaterThan(0);
    expect(new Set(refused)).to.deep.equal(new Set(["LEDGER_OVERLOADED"]));
    expect(ok).to.deep.equal(Array.from({ length: ok.length }, (_, i) => i));
    await ledger.close();
    expect(await verifyLedgerFileIndependently(tmp.path, signerA.publicKey)).to.have.length(ok.length);
  });

  it("does not spend a seq on an entry it rejects", async () => {
    const ledger = await open();
    await expectCode(() => ledger.append({ ...entry(), subject: { step: 1 } } as never), "RECEIPT_VALUE_INVALID");
    await expectCode(() => ledger.append({ ...entry(), kind: "key-rotation" }), "RECEIPT_SCHEMA_INVALID");
    expect((await ledger.append(entry(0))).seq).to.equal(0);
    await ledger.close();
  });

  it("stamps issuedAt from the injected clock", async () => {
    const { clock, advance } = fixedClock();
    const ledger = await openLedger({ path: tmp.path, signer: signerA, issuer: ISSUER, clock });
    await ledger.append(entry(0));
    advance(1234);
    const second = await ledger.append(entry(1));
    expect(verifyReceiptEnvelope(second.envelope, signerA.publicKey).issuedAt).to.equal("2026-11-23T13:00:01.234Z");
    await ledger.close();
  });

  it("starts at seq 0 with prev of 32 zero bytes, and head() tracks the last durable line", async () => {
    const ledger = await open();
    expect(ledger.head()).to.deep.equal({ size: 0, lastLineHash: GENESIS_PREV });
    const first = await ledger.append(entry(0));
    expect(verifyReceiptEnvelope(first.envelope, signerA.publicKey).prev).to.equal(GENESIS_PREV);
    const second = await ledger.append(entry(1));
    expect(verifyReceiptEnvelope(second.envelope, signerA.publicKey).prev).to.equal(sha256Hex(first.line));
    expect(ledger.head()).to.deep.equal({ size: 2, lastLineHash: sha256Hex(second.line) });
    await ledger.close();
  });

  describe("reads", () => {
    let ledger: ReceiptLedger;
    beforeEach(async () => {
      ledger = await open();
      await Promise.all(Array.from({ length: 20 }, (_, i) => ledger.append(entry(i))));
    });
    afterEach(async () => {
      await ledger.close();
    });

    it("returns each line's exact file bytes without the newline", async () => {
      const file = (await readFile(tmp.path)).toString("utf8").split("\n");
      for (const seq of [0, 7, 19]) {
        const got = await ledger.get(seq);
        expect(got.line.toString("utf8")).to.equal(file[seq]);
        expect(verifyReceiptEnvelope(got.envelope, signerA.publicKey).seq).to.equal(String(seq));
      }
    });

    it("refuses a seq outside the durable ledger (RECEIPT_NOT_FOUND)", async () => {
      for (const seq of [-1, 20, 1.5, Number.NaN]) await expectCode(() => ledger.get(seq), "RECEIPT_NOT_FOUND");
    });

    it("returns [from, to) capped by limit", async () => {
      expect((await ledger.range(3, 10, 4)).map((l) => l.seq)).to.deep.equal([3, 4, 5, 6]);
      expect((await ledger.range(15, 20, 100)).map((l) => l.seq)).to.deep.equal([15, 16, 17, 18, 19]);
      expect(await ledger.range(20, 20, 1)).to.deep.equal([]);
      const all = await ledger.range(0, 20, 20);
      expect(all.map((l) => l.line.toString())).to.deep.equal(
        (await readFile(tmp.path)).toString("utf8").split("\n").slice(0, 20),
      );
    });

    it("refuses ranges past the head, reversed, or larger than MAX_RANGE (LEDGER_RANGE_INVALID)", async () => {
      const bad: [number, number, number][] = [
        [0, 21, 10],
        [5, 4, 10],
        [-1, 3, 10],
        [0, 5, 0],
        [0, 5, MAX_RANGE + 1],
        [0.5, 5, 10],
      ];
      for (const [from, to, limit] of bad)
        await expectCode(() => ledger.range(from, to, limit), "LEDGER_RANGE_INVALID");
    });
  });

  it("refuses appends and reads after close (LEDGER_CLOSED), once queued lines are durable", async () => {
    const ledger = await open();
    const pending = ledger.append(entry(0));
    await ledger.close();
    expect((await pending).seq).to.equal(0);
    await expectCode(() => ledger.append(entry(1)), "LEDGER_CLOSED");
    await expectCode(() => ledger.get(0), "LEDGER_CLOSED");
  });

  it("refuses to open a ledger with a signer that is not the chain's key (LEDGER_KEY_MISMATCH)", async () => {
    const ledger = await open();
    await ledger.append(entry(0));
    await ledger.close();
    await expectCode(
      () => openLedger({ path: tmp.path, signer: signerB, issuer: ISSUER, clock: fixedClock().clock }),
      "LEDGER_KEY_MISMATCH",
    );
  });

  it("refuses to open a ledger written for another issuer (LEDGER_ISSUER_MISMATCH)", async () => {
    const ledger = await open();
    await ledger.append(entry(0));
    await ledger.close();
    const other = "eip155:1:0x5fbdb2315678afecb367f032d93f642f64180aa3";
    await expectCode(
      () => openLedger({ path: tmp.path, signer: signerA, issuer: other, clock: fixedClock().clock }),
      "LEDGER_ISSUER_MISMATCH",
    );
  });

  it("refuses a malformed issuer or queue cap in the configuration (LEDGER_CONFIG_INVALID)", async () => {
    await expectCode(
      () => openLedger({ path: tmp.path, signer: signerA, issuer: "gateway", clock: fixedClock().clock }),
      "LEDGER_CONFIG_INVALID",
    );
    await expectCode(() => open({ maxQueuedBytes: 1000 }), "LEDGER_CONFIG_INVALID");
  });

  it("reports a ledger file it cannot create as LEDGER_IO_FAILED", async () => {
    const path = `${tmp.dir}/missing-dir/receipts.ndjson`;
    await expectCode(
      () => openLedger({ path, signer: signerA, issuer: ISSUER, clock: fixedClock().clock }),
      "LEDGER_IO_FAILED",
    );
  });
});
