import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { bytesToHex } from "viem";

import {
  ANCHOR_CODES,
  type AnchorRecords,
  type AnchorTimers,
  type RootSnapshot,
  createAnchorer,
  openAnchorRecords,
} from "../../../gateway/src/anchor";
import { GatewayError } from "../../../gateway/src/errors";
import { FakeAnchorChain } from "./fakeChain";

const rootFor = (size: number) => Uint8Array.from({ length: 32 }, (_, i) => (size * 7 + i) % 256);

/** Timers a test fires by hand, recording each requested delay. */
class ManualTimers implements AnchorTimers {
  delays: number[] = [];
  private pending: (() => void) | undefined;
  set(run: () => void, ms: number) {
    this.delays.push(ms);
    this.pending = run;
    return run;
  }
  clear() {
    this.pending = undefined;
  }
  fire() {
    const run = this.pending;
    this.pending = undefined;
    run?.();
  }
  /** Fires the pending round and waits until it has scheduled the next one. */
  async fireAndSettle() {
    const n = this.delays.length;
    this.fire();
    while (this.delays.length === n) await new Promise((r) => setImmediate(r));
  }
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof GatewayError) return err.code;
    throw err;
  }
  throw new Error("expected a GatewayError");
}

describe("gateway/anchor/anchorer", () => {
  let dir: string;
  let records: AnchorRecords;
  let chain: FakeAnchorChain;
  let size: number;
  const rootSource = (): RootSnapshot => ({ treeSize: size, root: rootFor(size) });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "swarm-anchorer-"));
    records = await openAnchorRecords(path.join(dir, "anchors.ndjson"));
    chain = new FakeAnchorChain();
    size = 0;
  });
  afterEach(async () => {
    await records.close();
    await rm(dir, { recursive: true, force: true });
  });

  const anchorer = (timers: AnchorTimers = new ManualTimers()) =>
    createAnchorer({
      rootSource,
      rootAt: async (n) => rootFor(n),
      chain,
      records,
      intervalMs: 60_000,
      retryBaseMs: 1_000,
      timers,
    });

  it("anchors nothing while the ledger is empty", async () => {
    expect(await anchorer().tick()).to.deep.equal({ kind: "idle", treeSize: 0 });
    expect(chain.sent).to.equal(0);
  });

  it("anchors the grown root as the next epoch over the chain's head, and records it", async () => {
    const a = anchorer();
    size = 3;
    const first = await a.tick();
    expect(first.kind).to.equal("anchored");
    size = 8;
    await a.tick();
    expect(records.all().map((r) => [r.epoch, r.treeSize, r.root])).to.deep.equal([
      ["1", "3", bytesToHex(rootFor(3))],
      ["2", "8", bytesToHex(rootFor(8))],
    ]);
    expect(records.all()[1]!.prevRoot).to.equal(bytesToHex(rootFor(3)));
    expect(a.status()).to.deep.include({ lastEpoch: 2, anchoredTreeSize: 8, unanchored: 0, consecutiveFailures: 0 });
  });

  it("sends nothing when the tree has not grown since the last anchor", async () => {
    const a = anchorer();
    size = 2;
    await a.tick();
    expect(await a.tick()).to.deep.equal({ kind: "idle", treeSize: 2 });
    expect(chain.sent).to.equal(1);
  });

  it("leaves receipts queued as unanchored while the chain is down, then anchors them", async () => {
    const a = anchorer();
    size = 4;
    chain.down = true;
    expect(await codeOf(a.tick())).to.equal(ANCHOR_CODES.CHAIN_UNAVAILABLE);
    expect(a.status()).to.deep.include({
      unanchored: 4,
      consecutiveFailures: 1,
      lastError: "ANCHOR_CHAIN_UNAVAILABLE",
    });
    chain.down = false;
    await a.tick();
    expect(a.status()).to.deep.include({ unanchored: 0, consecutiveFailures: 0, lastError: undefined, lastEpoch: 1 });
  });

  it("recovers an epoch mined before a crash lost its answer, without anchoring it twice", async () => {
    const a = anchorer();
    size = 5;
    chain.loseNextAnswer = true;
    expect(await codeOf(a.tick())).to.equal(ANCHOR_CODES.CHAIN_UNAVAILABLE);
    expect(records.all()).to.have.length(0);
    const outcome = await a.tick();
    expect(outcome.kind).to.equal("anchored");
    expect(chain.sent).to.equal(1);
    expect(records.all().map((r) => r.transactionHash)).to.deep.equal([chain.events_[0]!.transactionHash]);
    size = 6;
    await a.tick();
    expect(records.all().map((r) => r.epoch)).to.deep.equal(["1", "2"]);
  });

  it("refuses to adopt an epoch on-chain that anchors another ledger's tree (one key, two ledgers)", async () => {
    await chain.anchor(1n, `0x${"00".repeat(32)}`, `0x${"ee".repeat(32)}`, 2n);
    size = 3;
    expect(await codeOf(anchorer().tick())).to.equal(ANCHOR_CODES.DIVERGED);
    expect(records.all()).to.have.length(0);
  });

  it("refuses to adopt an epoch on-chain whose tree is larger than this ledger", async () => {
    await chain.anchor(1n, `0x${"00".repeat(32)}`, bytesToHex(rootFor(9)), 9n);
    size = 3;
    expect(await codeOf(anchorer().tick())).to.equal(ANCHOR_CODES.DIVERGED);
  });

  it("refuses to anchor when the chain's head is behind its records (another contract or a reorg)", async () => {
    const a = anchorer();
    size = 1;
    await a.tick();
    chain.events_.length = 0; // the chain forgot epoch 1
    size = 2;
    expect(await codeOf(a.tick())).to.equal(ANCHOR_CODES.DIVERGED);
    expect(chain.sent).to.equal(1);
  });

  it("refuses to anchor when the chain's head root differs from the recorded one", async () => {
    const a = anchorer();
    size = 1;
    await a.tick();
    chain.events_[0] = { ...chain.events_[0]!, root: `0x${"ab".repeat(32)}` };
    size = 2;
    expect(await codeOf(a.tick())).to.equal(ANCHOR_CODES.DIVERGED);
  });

  it("retries with doubling backoff capped at the interval, and returns to the interval after success", async () => {
    const timers = new ManualTimers();
    const a = anchorer(timers);
    size = 1;
    chain.down = true;
    a.start();
    expect(timers.delays).to.deep.equal([60_000]);
    for (let i = 0; i < 8; i++) await timers.fireAndSettle();
    expect(timers.delays).to.deep.equal([60_000, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    chain.down = false;
    await timers.fireAndSettle();
    expect(timers.delays[timers.delays.length - 1]).to.equal(60_000);
    expect(a.status().lastEpoch).to.equal(1);
    await a.stop();
    timers.fire();
    expect(timers.delays).to.have.length(10);
  });
});
