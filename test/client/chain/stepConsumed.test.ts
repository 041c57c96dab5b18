import hre from "hardhat";
import { mine } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { type Address, type Hex, type PublicClient, createPublicClient, custom } from "viem";

import { ChainErrorCode } from "../../../client/src/chain/errors";
import { type StepConsumedEvent, readStepConsumed } from "../../../client/src/chain/stepConsumed";
import {
  type MarketFixture,
  consumeNext,
  deployMarket,
  marketFixture,
  publishOffer,
  purchaseEth,
} from "../../helpers/market";
import { expectCode } from "./fixture";

/** An eth_getLogs filter as viem sends it. */
interface LogFilter {
  address?: Address | Address[];
  topics?: (Hex | Hex[] | null)[];
  fromBlock?: Hex;
  toBlock?: Hex | "latest";
}
/** A log as the node returns it. */
interface RpcLog {
  address: Address;
  removed: boolean;
  transactionHash: Hex;
  blockNumber: Hex;
  data: Hex;
}

/** How a test node misbehaves: rewrites the filter it is sent, the logs it returns, or refuses. */
interface Node {
  readonly filter?: (f: LogFilter) => LogFilter;
  readonly logs?: (logs: RpcLog[]) => RpcLog[];
  readonly refuse?: boolean;
}

/** A reader of `market` over the in-process node, recording every eth_getLogs filter it sends. */
function countedReader(market: Address, node: Node = {}) {
  const filters: LogFilter[] = [];
  const publicClient = createPublicClient({
    transport: custom(
      {
        request: async ({ method, params }: { method: string; params?: unknown }) => {
          if (method !== "eth_getLogs") return hre.network.provider.send(method, params as unknown[]);
          const [sent] = params as [LogFilter];
          filters.push(sent);
          if (node.refuse === true) throw new Error("query returned more than 10000 results");
          const logs = (await hre.network.provider.send(method, [node.filter?.(sent) ?? sent])) as RpcLog[];
          return node.logs?.(logs) ?? logs;
        },
      },
      { retryCount: 0 },
    ),
  }) as unknown as PublicClient;
  return { reader: { publicClient, market }, filters };
}

/**
 * Market A with entitlement a (three steps) and b (two steps), consumed in blocks spread by empty ones, and a
 * second market B on the same chain with one consumed step of its entitlement 1 (the same id as a).
 */
async function world() {
  const fx = await marketFixture();
  const offer = await publishOffer(fx);
  const a = await purchaseEth(fx, offer, 3);
  const b = await purchaseEth(fx, offer, 2);
  const other: MarketFixture = await deployMarket();
  const otherEntitlement = await purchaseEth(other, await publishOffer(other), 1);
  for (const [m, id, fromStep] of [
    [fx, a, 0],
    [fx, b, 0],
    [other, otherEntitlement, 0],
    [fx, a, 1],
    [fx, b, 1],
    [fx, a, 2],
  ] as const) {
    await consumeNext(m, id, { fromStep });
    await mine(3);
  }
  const head = await fx.publicClient.getBlockNumber({ cacheTime: 0 });
  return { fx, other, a, b, otherEntitlement, head };
}

const steps = (events: readonly StepConsumedEvent[]) => events.map((e) => `${e.entitlementId}/${e.step}`);

describe("client/chain/stepConsumed", function () {
  this.timeout(60_000);

  it("reads a range larger than maxRange in chunks, giving the same events as one request", async () => {
    const w = await world();
    const whole = countedReader(w.fx.market.address);
    const one = await readStepConsumed(whole.reader, { fromBlock: 0n, toBlock: w.head, maxRange: w.head + 1n });
    expect(whole.filters).to.have.length(1);
    expect(steps(one)).to.deep.equal([`${w.a}/1`, `${w.b}/1`, `${w.a}/2`, `${w.b}/2`, `${w.a}/3`]);

    const chunked = countedReader(w.fx.market.address);
    const many = await readStepConsumed(chunked.reader, { fromBlock: 0n, toBlock: w.head, maxRange: 4n });
    expect(many).to.deep.equal(one);
    expect(chunked.filters).to.have.length(Number((w.head + 1n + 3n) / 4n));
    // Consecutive, non-overlapping ranges of at most maxRange blocks, covering [0, head] exactly.
    let next = 0n;
    for (const f of chunked.filters) {
      expect(BigInt(f.fromBlock!)).to.equal(next);
      expect(BigInt(f.toBlock!) - BigInt(f.fromBlock!)).to.be.lessThan(4);
      next = BigInt(f.toBlock!) + 1n;
    }
    expect(next).to.equal(w.head + 1n);
  });

  it("reads up to the head when no toBlock is given, with the default range in one request here", async () => {
    const w = await world();
    const r = countedReader(w.fx.market.address);
    const events = await readStepConsumed(r.reader, { fromBlock: 0n });
    expect(steps(events)).to.have.length(5);
    expect(r.filters).to.have.length(1);
    expect(BigInt(r.filters[0]!.toBlock!)).to.equal(w.head);
  });

  it("filters by entitlement and by step, with the ids as topics of the request", async () => {
    const w = await world();
    const r = countedReader(w.fx.market.address);
    const ofB = await readStepConsumed(r.reader, { entitlementId: w.b, fromBlock: 0n, maxRange: 5n });
    expect(steps(ofB)).to.deep.equal([`${w.b}/1`, `${w.b}/2`]);
    expect(r.filters.every((f) => f.topics?.[1] !== null && f.topics?.[2] === null)).to.equal(true);
    const one = await readStepConsumed(r.reader, { entitlementId: w.a, step: 2, fromBlock: 0n });
    expect(one).to.have.length(1);
    expect(one[0]).to.deep.include({ entitlementId: w.a, step: 2, fromStep: 1 });
    expect(one[0]!.blockNumber > 0n).to.equal(true);
  });

  it("ignores another market's StepConsumed events", async () => {
    const w = await world();
    const ours = await readStepConsumed(countedReader(w.fx.market.address).reader, { fromBlock: 0n });
    const theirs = await readStepConsumed(countedReader(w.other.market.address).reader, { fromBlock: 0n });
    expect(steps(theirs)).to.deep.equal([`${w.otherEntitlement}/1`]);
    expect(steps(ours)).to.have.length(5);
    expect(ours.map((e) => e.txHash)).to.not.include(theirs[0]!.txHash);
  });

  it("drops what a dishonest node adds: other markets, other entitlements, other events, other blocks", async () => {
    const w = await world();
    const honest = await readStepConsumed(countedReader(w.fx.market.address).reader, {
      entitlementId: w.a,
      fromBlock: 0n,
      maxRange: 6n,
    });
    // The node ignores the address, the topics and the block range: it returns every log of the chain each time.
    const lying = countedReader(w.fx.market.address, { filter: () => ({ fromBlock: "0x0", toBlock: "latest" }) });
    const got = await readStepConsumed(lying.reader, { entitlementId: w.a, fromBlock: 0n, maxRange: 6n });
    expect(lying.filters.length).to.be.greaterThan(1);
    expect(got).to.deep.equal(honest);
    expect(steps(got)).to.deep.equal([`${w.a}/1`, `${w.a}/2`, `${w.a}/3`]);
  });

  it("skips a removed (reorged) log and a log whose data does not decode", async () => {
    const w = await world();
    const all = await readStepConsumed(countedReader(w.fx.market.address).reader, { fromBlock: 0n });
    const [removedTx, garbledTx] = [all[0]!.txHash, all[1]!.txHash];
    const r = countedReader(w.fx.market.address, {
      logs: (logs) =>
        logs.map((l) =>
          l.transactionHash === removedTx
            ? { ...l, removed: true }
            : l.transactionHash === garbledTx
              ? { ...l, data: "0x1234" }
              : l,
        ),
    });
    const got = await readStepConsumed(r.reader, { fromBlock: 0n });
    expect(got).to.deep.equal(all.slice(2));
  });

  it("turns a refused request into a typed chain error naming the blocks", async () => {
    const w = await world();
    const r = countedReader(w.fx.market.address, { refuse: true });
    const err = await expectCode(
      readStepConsumed(r.reader, { fromBlock: 0n, toBlock: 9n, maxRange: 5n }),
      ChainErrorCode.CALL_FAILED,
    );
    expect(err.message).to.contain("blocks 0–4");
  });

  it("refuses a maxRange below one block instead of looping forever", async () => {
    const w = await world();
    let caught: unknown;
    await readStepConsumed(countedReader(w.fx.market.address).reader, { fromBlock: 0n, maxRange: 0n }).catch(
      (e: unknown) => (caught = e),
    );
    expect(caught).to.be.instanceOf(RangeError);
  });
});
