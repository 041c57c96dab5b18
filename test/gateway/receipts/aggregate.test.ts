import { expect } from "chai";
import { OVERFLOW_KEY, type Refusal, RefusalLimiter } from "../../../gateway/src/receipts/aggregate";
import { openLedger } from "../../../gateway/src/receipts/ledger";
import type { ReceiptEntry } from "../../../gateway/src/receipts/receipt";
import {
  ISSUER,
  expectCode,
  fixedClock,
  signerA,
  tempDir,
  verifyLedgerFileIndependently,
} from "./fixtures/receiptFixtures";

const WINDOW = 60_000;
const refusal = (code = "OIDC_TOKEN_EXPIRED", sub = "repo:evil/x:ref:refs/heads/main"): Refusal => ({
  code,
  subject: { entitlementId: "7", step: "3" },
  actor: { sub },
  intent: { route: "POST /v1/caps" },
  result: { code },
});

/** A limiter writing into an in-memory list, with a clock the test moves. */
function harness(limit = 5, maxKeys = 1000, maxCodes?: number) {
  const written: ReceiptEntry[] = [];
  const time = fixedClock();
  const limiter = new RefusalLimiter({
    append: async (e) => written.push(e),
    clock: time.clock,
    limit,
    windowMs: WINDOW,
    maxKeys,
    ...(maxCodes === undefined ? {} : { maxCodes }),
  });
  return { written, time, limiter };
}

describe("receipts/aggregate (RefusalLimiter)", () => {
  it("turns a flood of 10,000 refusals in one window into at most N + 1 receipts on the real ledger", async () => {
    const tmp = await tempDir();
    try {
      const time = fixedClock();
      const ledger = await openLedger({ path: tmp.path, signer: signerA, issuer: ISSUER, clock: time.clock });
      const limiter = new RefusalLimiter({
        append: (e) => ledger.append(e),
        clock: time.clock,
        limit: 5,
        windowMs: WINDOW,
        maxKeys: 100,
      });
      const outcomes = [];
      for (let i = 0; i < 10_000; i++) {
        outcomes.push(limiter.refuse("oidc:evil", refusal(i % 3 === 0 ? "JTI_REPLAYED" : "OIDC_TOKEN_EXPIRED")));
        time.advance(5); // 10,000 × 5 ms = 50 s, inside one 60 s window
      }
      const settled = await Promise.all(outcomes);
      expect(settled.filter((o) => o === "written")).to.have.length(5);
      expect(ledger.head().size).to.equal(5);
      time.advance(WINDOW);
      expect(await limiter.flush(time.clock())).to.equal(1);
      expect(ledger.head().size).to.equal(6);
      await ledger.close();
      const receipts = await verifyLedgerFileIndependently(tmp.path, signerA.publicKey);
      const aggregate = receipts[5]!;
      expect(aggregate.kind).to.equal("refused-aggregate");
      expect(aggregate.subject).to.deep.equal({ key: "oidc:evil" });
      expect(aggregate.result).to.deep.equal({
        count: "9995",
        firstAt: new Date(Date.parse("2026-11-23T13:00:00.000Z") + 5 * 5).toISOString(),
        lastAt: new Date(Date.parse("2026-11-23T13:00:00.000Z") + 9999 * 5).toISOString(),
        codes: { JTI_REPLAYED: String(3334 - 2), OIDC_TOKEN_EXPIRED: String(6666 - 3) },
      });
      expect(aggregate.intent).to.deep.equal({
        windowStart: "2026-11-23T13:00:00.000Z",
        windowEnd: "2026-11-23T13:01:00.000Z",
      });
    } finally {
      await tmp.cleanup();
    }
  });

  it("limits two subjects independently", async () => {
    const { written, limiter } = harness(3);
    for (let i = 0; i < 50; i++) {
      await limiter.refuse("a", refusal());
      await limiter.refuse("b", refusal());
    }
    expect(written.filter((e) => e.kind === "refused")).to.have.length(6);
    expect(written.map((e) => e.actor)).to.have.length(6);
  });

  it("writes the window's aggregate at the key's next refusal after the window, before that refusal", async () => {
    const { written, time, limiter } = harness(2);
    for (let i = 0; i < 10; i++) await limiter.refuse("k", refusal());
    time.advance(WINDOW);
    expect(await limiter.refuse("k", refusal())).to.equal("written");
    expect(written.map((e) => e.kind)).to.deep.equal(["refused", "refused", "refused-aggregate", "refused"]);
    expect(written[2]!.result.count).to.equal("8");
  });

  it("flush writes aggregates only for ended windows, and none for a window that counted nothing", async () => {
    const { written, time, limiter } = harness(2);
    await limiter.refuse("quiet", refusal());
    for (let i = 0; i < 5; i++) await limiter.refuse("noisy", refusal());
    time.advance(WINDOW - 1);
    expect(await limiter.flush(time.clock())).to.equal(0);
    time.advance(1);
    expect(await limiter.flush(time.clock())).to.equal(1);
    expect(written.filter((e) => e.kind === "refused-aggregate").map((e) => e.subject)).to.deep.equal([
      { key: "noisy" },
    ]);
    expect(limiter.trackedKeys).to.equal(0);
  });

  it("caps tracked keys: a flood of distinct keys shares one overflow window with no free receipts", async () => {
    const { written, time, limiter } = harness(2, 100);
    for (let i = 0; i < 5000; i++) await limiter.refuse(`ip:${i}`, refusal());
    expect(limiter.trackedKeys).to.equal(100);
    expect(written, "one free receipt for each of the first 100 keys").to.have.length(100);
    time.advance(WINDOW);
    await limiter.flush(time.clock());
    const overflow = written.filter((e) => e.kind === "refused-aggregate");
    expect(overflow).to.have.length(1);
    expect(overflow[0]!.subject).to.deep.equal({ key: OVERFLOW_KEY });
    expect(overflow[0]!.result.count).to.equal("4900");
  });

  it("evicts ended windows to make room for new keys", async () => {
    const { written, time, limiter } = harness(1, 10);
    for (let i = 0; i < 10; i++) await limiter.refuse(`old:${i}`, refusal());
    await limiter.refuse("old:0", refusal()); // counted, so its window has an aggregate to write
    time.advance(WINDOW);
    expect(await limiter.refuse("new", refusal())).to.equal("written");
    expect(limiter.trackedKeys).to.equal(1);
    expect(written.filter((e) => e.kind === "refused-aggregate").map((e) => e.subject)).to.deep.equal([
      { key: "old:0" },
    ]);
  });

  it("bounds the codes map: codes beyond maxCodes are counted under *", async () => {
    const { written, time, limiter } = harness(0, 10, 2);
    for (const code of ["A_ONE", "B_TWO", "C_THREE", "C_THREE", "A_ONE"]) await limiter.refuse("k", refusal(code));
    time.advance(WINDOW);
    await limiter.flush(time.clock());
    expect(written[0]!.result.codes).to.deep.equal({ A_ONE: "2", B_TWO: "1", "*": "2" });
  });

  it("rejects a key that would forge the overflow bucket or break the encoding", async () => {
    const { limiter } = harness();
    for (const key of [OVERFLOW_KEY, "", "x".repeat(257), "0xABCD"]) {
      await expectCode(() => limiter.refuse(key, refusal()), "RECEIPT_VALUE_INVALID");
    }
    await expectCode(() => limiter.refuse("k", refusal("not a code")), "RECEIPT_VALUE_INVALID");
  });

  it("rejects a nonsensical configuration", async () => {
    const base = { append: async () => undefined, clock: fixedClock().clock, limit: 1, windowMs: 1, maxKeys: 1 };
    for (const bad of [{ limit: -1 }, { windowMs: 0 }, { maxKeys: 0 }, { maxCodes: 0 }, { limit: 1.5 }]) {
      await expectCode(() => new RefusalLimiter({ ...base, ...bad }), "LEDGER_CONFIG_INVALID");
    }
  });
});
