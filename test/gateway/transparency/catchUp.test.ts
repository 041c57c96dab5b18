import { generateKeyPairSync } from "node:crypto";
import { expect } from "chai";

import { leafHash, rootOf } from "../../../client/src/protocol/transparency";
import type { LedgerLine } from "../../../gateway/src/receipts";
import { TransparencyLog, type TransparencyLedger } from "../../../gateway/src/transparency";

/** A ledger double: lines appear in `lines`; `deliver` calls the durable hook with any slice, gaps included. */
function ledgerDouble(): {
  ledger: TransparencyLedger;
  lines: LedgerLine[];
  deliver: (from: number, to: number) => void;
  reads: () => number;
} {
  const lines: LedgerLine[] = [];
  let listener: ((l: readonly LedgerLine[]) => void) | undefined;
  let reads = 0;
  const ledger: TransparencyLedger = {
    head: () => ({ size: lines.length, lastLineHash: "0x00" }),
    range: async (from, to, limit) => {
      reads += 1;
      return lines.slice(from, Math.min(to, from + limit));
    },
    onDurable: (l) => {
      listener = l;
      return () => {
        listener = undefined;
      };
    },
  };
  return { ledger, lines, deliver: (from, to) => listener?.(lines.slice(from, to)), reads: () => reads };
}

function line(seq: number): LedgerLine {
  return { seq, line: Buffer.from(`{"seq":"${seq}"}`), envelope: {} as LedgerLine["envelope"] };
}

const KEY = generateKeyPairSync("ed25519").privateKey;

describe("gateway/transparency TransparencyLog following the ledger", function () {
  it("rebuilds from the ledger on open, then appends hooked lines without reading", async function () {
    const d = ledgerDouble();
    for (let i = 0; i < 2500; i++) d.lines.push(line(i));
    const log = await TransparencyLog.open({
      ledger: d.ledger,
      origin: "o.example/log",
      signingKey: KEY,
      cacheLevel: 3,
    });
    expect(log.snapshot().treeSize).to.equal(2500);
    const readsAfterOpen = d.reads();
    for (let i = 2500; i < 2510; i++) d.lines.push(line(i));
    d.deliver(2500, 2510);
    expect(d.reads()).to.equal(readsAfterOpen);
    expect(log.snapshot().root).to.deep.equal(rootOf(d.lines.map((l) => leafHash(l.line))));
  });

  it("ignores lines it already has and falls back to reading the ledger after a gap", async function () {
    const d = ledgerDouble();
    const log = await TransparencyLog.open({ ledger: d.ledger, origin: "o.example/log", signingKey: KEY });
    for (let i = 0; i < 6; i++) d.lines.push(line(i));
    d.deliver(0, 3);
    d.deliver(0, 3);
    d.deliver(4, 6);
    expect(log.tree.size).to.equal(3);
    await log.checkpoint();
    expect(log.snapshot()).to.deep.equal({ treeSize: 6, root: rootOf(d.lines.map((l) => leafHash(l.line))) });
  });

  it("stops following the ledger once closed", async function () {
    const d = ledgerDouble();
    const log = await TransparencyLog.open({ ledger: d.ledger, origin: "o.example/log", signingKey: KEY });
    log.close();
    d.lines.push(line(0));
    d.deliver(0, 1);
    expect(log.tree.size).to.equal(0);
  });
});
