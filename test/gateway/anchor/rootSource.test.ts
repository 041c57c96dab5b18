import { expect } from "chai";

import { leafHash, rootOf } from "../../../client/src/protocol/transparency/hash";
import { ledgerRootAt, ledgerRootSource } from "../../../gateway/src/anchor";
import type { LedgerLine } from "../../../gateway/src/receipts";

/** A ledger stand-in: `lines` grows as the test appends. */
function fakeLedger(lines: Buffer[]) {
  return {
    head: () => ({ size: lines.length, lastLineHash: `0x${"0".repeat(64)}` as const }),
    range: async (from: number, to: number, limit: number) =>
      lines
        .slice(from, Math.min(to, from + limit))
        .map((line, i) => ({ seq: from + i, line }) as unknown as LedgerLine),
  };
}

describe("gateway/anchor/rootSource", () => {
  it("matches RFC 6962 roots at every size while folding in only new lines", async () => {
    const lines: Buffer[] = [];
    const source = ledgerRootSource(fakeLedger(lines));
    for (let n = 0; n <= 2100; n += n < 20 ? 1 : 523) {
      while (lines.length < n) lines.push(Buffer.from(`line-${lines.length}`));
      const snap = await source();
      expect(snap.treeSize).to.equal(n);
      expect(Buffer.from(snap.root).toString("hex")).to.equal(
        Buffer.from(rootOf(lines.map((l) => leafHash(l)))).toString("hex"),
      );
    }
  });

  it("recomputes the root of any prefix for checking recovered epochs", async () => {
    const lines = Array.from({ length: 1500 }, (_, i) => Buffer.from(`p${i}`));
    const rootAt = ledgerRootAt(fakeLedger(lines));
    for (const n of [0, 1, 7, 1001, 1500]) {
      expect(Buffer.from(await rootAt(n)).toString("hex")).to.equal(
        Buffer.from(rootOf(lines.slice(0, n).map((l) => leafHash(l)))).toString("hex"),
      );
    }
  });

  it("does not fold lines twice when called concurrently", async () => {
    const lines = Array.from({ length: 9 }, (_, i) => Buffer.from(`l${i}`));
    const source = ledgerRootSource(fakeLedger(lines));
    const [a, b] = await Promise.all([source(), source()]);
    const expected = Buffer.from(rootOf(lines.map((l) => leafHash(l)))).toString("hex");
    expect(Buffer.from(a.root).toString("hex")).to.equal(expected);
    expect(Buffer.from(b.root).toString("hex")).to.equal(expected);
    expect(b.treeSize).to.equal(9);
  });
});
