import hre from "hardhat";
import { mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import pino from "pino";
import { type PublicClient, custom, createPublicClient, parseEventLogs } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import type { MarketWriter } from "../../../client/src/chain/clients";
import type { ConsumedStep } from "../../../client/src/keeper/consumedStep";
import { memoryCursorStore } from "../../../client/src/keeper/cursor";
import { KeeperErrorCode } from "../../../client/src/keeper/errors";
import { Keeper } from "../../../client/src/keeper/keeper";
import type { KeeperEvent, KeeperOptions } from "../../../client/src/keeper/options";
import { createKeeperMetrics } from "../../../client/src/keeper/metrics";
import { swarmMarketAbi } from "../../../client/src/protocol/abi/swarmMarket";
import {
  ARBITER_TIMEOUT,
  COMMIT,
  DISPUTE_WINDOW,
  type MarketFixture,
  POLICY_HASH,
  PRICE,
  STEP_TIMEOUT,
  consumeNext,
  marketFixture,
  publishOffer,
  purchaseEth,
} from "../../helpers/market";
import { type FakeMode, fakeCertificate, fakeVerifier, memoryEvidence } from "./fakes";

const silent = pino({ level: "silent" });

/** A test world: the market fixture, one offer, one entitlement of five steps, the keeper's sources. */
async function setup(quorum = 1) {
  const fx = await marketFixture();
  const verifiers = fx.verifierWallets.slice(0, 2);
  const offerId = await publishOffer(fx, {
    quorum,
    verifiers: verifiers.map((v) => v.account!.address),
  });
  const id = await purchaseEth(fx, offerId, 5);
  const evidence = memoryEvidence();
  const modes: FakeMode[] = ["valid", "valid"];
  const forger = privateKeyToAccount(generatePrivateKey());
  const sources = verifiers.map((w, i) => fakeVerifier(`v${i}`, w, () => modes[i]!, forger));
  const writer: MarketWriter = {
    publicClient: fx.publicClient as unknown as PublicClient,
    market: fx.market.address,
    wallet: fx.keeper,
  };
  let nowMs = 1_000_000;
  const events: KeeperEvent[] = [];
  const keeper = (overrides: Partial<KeeperOptions> = {}) =>
    new Keeper({
      writer,
      chainId: BigInt(fx.chainId),
      startBlock: 0n,
      confirmations: 0,
      cursor: memoryCursorStore(),
      evidence,
      attestations: sources,
      clock: () => new Date(nowMs),
      logger: silent,
      backoff: { initialMs: 1_000, maxMs: 8_000, factor: 2 },
      onEvent: (e) => events.push(e),
      ...overrides,
    });
  /** Consumes the next step (from `fromStep`) and publishes its evidence. */
  const consume = async (fromStep: number, publish = true): Promise<ConsumedStep> => {
    const { permit, digest } = await consumeNext(fx, id, { fromStep });
    const c: ConsumedStep = {
      entitlementId: id,
      step: permit.step,
      fromStep,
      permitDigest: digest,
      workerKey: permit.workerKey,
      runId: permit.runId,
      runAttempt: permit.runAttempt,
      blockNumber: 0n,
      txHash: `0x${"00".repeat(32)}`,
    };
    if (publish) publishEvidence(c);
    return c;
  };
  const publishEvidence = (c: ConsumedStep) =>
    evidence.put(c, {
      "certificate.json": fakeCertificate(c, COMMIT, POLICY_HASH),
      "certificate.sigstore.json": new TextEncoder().encode("{}"),
    });
  return {
    fx,
    id,
    evidence,
    sources,
    modes,
    writer,
    events,
    keeper,
    consume,
    publishEvidence,
    advanceMs: (ms: number) => (nowMs += ms),
  };
}

/** The market's events of `name`, as [entitlementId, step] pairs, in chain order. */
async function stepEvents(fx: MarketFixture, name: "StepClaimed" | "StepSettled" | "StepRefunded"): Promise<string[]> {
  const logs = await fx.publicClient.getLogs({ address: fx.market.address, fromBlock: 0n });
  return parseEventLogs({ abi: swarmMarketAbi, logs, eventName: name }).map(
    (l) => `${l.args.entitlementId}/${l.args.step}`,
  );
}

async function status(fx: MarketFixture, id: bigint, step: number): Promise<number> {
  return (await fx.market.read.getStep([id, step])).status;
}
const CLAIMED = 2;
const SETTLED = 4;
const REFUNDED = 5;

describe("keeper", function () {
  this.timeout(60_000);

  it("claims consumed steps in dependency order, each after its fromStep", async () => {
    const w = await setup();
    await w.consume(0);
    await w.consume(1);
    await w.consume(1);
    const report = await w.keeper().tick();
    expect(report).to.deep.include({ found: 3, actions: 3 });
    expect(await stepEvents(w.fx, "StepClaimed")).to.deep.equal([`${w.id}/1`, `${w.id}/2`, `${w.id}/3`]);
    const step2 = await w.fx.market.read.getStep([w.id, 2]);
    expect(step2.status).to.equal(CLAIMED);
  });

  it("sends the verifiers the genesis state with a step from genesis (stateIn is checked, not left unchecked)", async () => {
    const w = await setup();
    const genesis = new TextEncoder().encode("genesis-state-ciphertext");
    w.evidence.putGenesis(w.id, genesis);
    await w.consume(0);
    await w.consume(1);
    await w.keeper().tick();
    const asks = w.sources[0]!.asks;
    expect(asks.map((a) => a.step)).to.deep.equal([1, 2]);
    expect(asks[0]!.genesisState).to.deep.equal(genesis);
    expect(asks[1]!.genesisState).to.equal(undefined); // fromStep 1: continuity is the fromStep certificate
    expect(asks[1]!.fromCertificate).to.not.equal(undefined);
  });

  it("waits for the fromStep's claim before claiming a step that continues from it", async () => {
    const w = await setup();
    const first = await w.consume(0, false);
    await w.consume(1);
    const k = w.keeper();
    await k.tick();
    expect(await stepEvents(w.fx, "StepClaimed")).to.deep.equal([]);
    expect(w.evidence.reads).to.deep.equal([`${w.id}/1`]); // step 2 was not even looked at
    w.publishEvidence(first);
    await k.tick(); // still backing off step 1
    expect(await stepEvents(w.fx, "StepClaimed")).to.deep.equal([]);
    w.advanceMs(1_000);
    await k.tick();
    expect(await stepEvents(w.fx, "StepClaimed")).to.deep.equal([`${w.id}/1`, `${w.id}/2`]);
  });

  it("acts only on events at least `confirmations` blocks deep", async () => {
    const w = await setup();
    await w.consume(0);
    const k = w.keeper({ confirmations: 3 });
    expect((await k.tick()).found).to.equal(0);
    await mine(2);
    expect((await k.tick()).found).to.equal(0);
    await mine(1);
    expect((await k.tick()).found).to.equal(1);
    expect(await stepEvents(w.fx, "StepClaimed")).to.deep.equal([`${w.id}/1`]);
  });

  it("rescans after a reorg of scanned blocks, dropping a step the new chain never consumed", async () => {
    const w = await setup();
    const metrics = createKeeperMetrics();
    const k = w.keeper({ disabled: ["claim"], metrics });
    const snapshot = (await hre.network.provider.send("evm_snapshot", [])) as string;
    await w.consume(0);
    await k.tick();
    expect(k.cursor!.pending.map((p) => p.step)).to.deep.equal([1]);
    await hre.network.provider.send("evm_revert", [snapshot]);
    await mine(5); // the other branch: longer, without the consume
    await k.tick();
    expect(k.cursor!.pending).to.deep.equal([]);
    expect((await metrics.reorgs.get()).values[0]!.value).to.equal(1);
    await w.consume(0); // consumed again on the new branch: found by the rescan
    await k.tick();
    expect(k.cursor!.pending.map((p) => p.step)).to.deep.equal([1]);
  });

  it("never claims twice after a restart from a cursor saved before its claim", async () => {
    const w = await setup();
    await w.consume(0);
    const store = memoryCursorStore();
    const first = w.keeper({ cursor: store, disabled: ["claim"] });
    await first.tick(); // cursor saved with step 1 pending, nothing claimed
    const stale = store.saved()!;
    await w.keeper({ cursor: store }).tick(); // claims step 1
    const restarted = w.keeper({ cursor: memoryCursorStoreWith(stale) });
    const report = await restarted.tick();
    expect(report.actions).to.equal(0);
    expect(await stepEvents(w.fx, "StepClaimed")).to.deep.equal([`${w.id}/1`]);
    expect(restarted.cursor!.pending.map((p) => p.step)).to.deep.equal([1]); // still to finalize
  });

  it("lets two keepers run at once and settles each step once", async () => {
    const w = await setup();
    await w.consume(0);
    await w.consume(1);
    await w.consume(2);
    const a = w.keeper();
    const b = w.keeper();
    await Promise.all([a.tick(), b.tick()]);
    await Promise.all([a.tick(), b.tick()]);
    expect(await stepEvents(w.fx, "StepClaimed")).to.deep.equal([`${w.id}/1`, `${w.id}/2`, `${w.id}/3`]);
    await time.increase(DISPUTE_WINDOW);
    await Promise.all([a.tick(), b.tick()]);
    expect(await stepEvents(w.fx, "StepSettled")).to.have.members([`${w.id}/1`, `${w.id}/2`, `${w.id}/3`]);
    expect(await stepEvents(w.fx, "StepSettled")).to.have.length(3);
    const sent = w.events.flatMap((e) =>
      e.kind === "action" && e.result.kind === "sent" ? [`${e.action} ${e.entitlementId}/${e.step}`] : [],
    );
    expect(sent).to.have.length(6);
    expect(new Set(sent).size).to.equal(6);
  });

  it("finalizes a claimed step once its dispute window has passed, not before", async () => {
    const w = await setup();
    await w.consume(0);
    const k = w.keeper();
    await k.tick();
    await time.increase(DISPUTE_WINDOW - 10);
    await k.tick();
    expect(await status(w.fx, w.id, 1)).to.equal(CLAIMED);
    await time.increase(10);
    await k.tick();
    expect(await status(w.fx, w.id, 1)).to.equal(SETTLED);
    expect(k.cursor!.pending).to.deep.equal([]);
  });

  it("looks up a settled fromStep's event from its start block in chunks, never from block 0", async () => {
    const w = await setup();
    const startBlock = await w.fx.publicClient.getBlockNumber({ cacheTime: 0 });
    const filters: { fromBlock: bigint; toBlock: bigint; stepTopic: unknown }[] = [];
    const counted = createPublicClient({
      chain: w.fx.publicClient.chain,
      transport: custom(
        {
          request: async ({ method, params }: { method: string; params?: unknown }) => {
            if (method === "eth_getLogs") {
              const [f] = params as [{ fromBlock: `0x${string}`; toBlock: `0x${string}`; topics?: unknown[] }];
              filters.push({ fromBlock: BigInt(f.fromBlock), toBlock: BigInt(f.toBlock), stepTopic: f.topics?.[2] });
            }
            return hre.network.provider.send(method, params as unknown[]);
          },
        },
        { retryCount: 0 },
      ),
    }) as unknown as PublicClient;
    const k = w.keeper({ writer: { ...w.writer, publicClient: counted }, startBlock, maxBlockRange: 3n });
    await w.consume(0);
    await k.tick(); // claims step 1
    await time.increase(DISPUTE_WINDOW);
    await k.tick(); // finalizes step 1: the keeper forgets it
    expect(await status(w.fx, w.id, 1)).to.equal(SETTLED);
    expect(k.cursor!.pending).to.deep.equal([]);
    await mine(10);
    await w.consume(1);
    filters.length = 0;
    await k.tick(); // claims step 2: step 1's event is no longer pending, so it is read from the chain
    expect(await stepEvents(w.fx, "StepClaimed")).to.deep.equal([`${w.id}/1`, `${w.id}/2`]);
    const lookups = filters.filter((f) => f.stepTopic !== null && f.stepTopic !== undefined);
    expect(lookups.length).to.be.greaterThan(1);
    expect(lookups[0]!.fromBlock).to.equal(startBlock);
    expect(lookups.every((f) => f.toBlock - f.fromBlock < 3n)).to.equal(true);
  });

  it("reclaims for the buyer a step no verifier would sign, once its step timeout has passed", async () => {
    const w = await setup();
    w.modes[0] = "invalid";
    w.modes[1] = "invalid";
    await w.consume(0);
    const k = w.keeper();
    await k.tick();
    expect(await stepEvents(w.fx, "StepClaimed")).to.deep.equal([]);
    const retry = w.events.find((e) => e.kind === "retry");
    expect(retry).to.deep.include({ code: KeeperErrorCode.QUORUM_NOT_REACHED });
    const buyer = w.fx.buyer.account!.address;
    const before = await w.fx.market.read.creditOf(["0x0000000000000000000000000000000000000000", buyer]);
    await time.increase(STEP_TIMEOUT);
    await k.tick();
    expect(await status(w.fx, w.id, 1)).to.equal(REFUNDED);
    const after = await w.fx.market.read.creditOf(["0x0000000000000000000000000000000000000000", buyer]);
    expect(after - before).to.equal(PRICE);
  });

  it("does not spend a transaction on a forged verifier signature", async () => {
    const w = await setup();
    w.modes[0] = "forged";
    w.modes[1] = "forged";
    await w.consume(0);
    const gasBefore = await w.fx.publicClient.getBalance({ address: w.fx.keeper.account!.address });
    await w.keeper().tick();
    expect(await stepEvents(w.fx, "StepClaimed")).to.deep.equal([]);
    expect(await w.fx.publicClient.getBalance({ address: w.fx.keeper.account!.address })).to.equal(gasBefore);
  });

  it("does not claim with signatures below the offer's quorum", async () => {
    const w = await setup(2);
    w.modes[1] = "unavailable";
    await w.consume(0);
    await w.keeper().tick();
    expect(await stepEvents(w.fx, "StepClaimed")).to.deep.equal([]);
    w.modes[1] = "valid";
    w.advanceMs(1_000);
    const k = w.keeper();
    await k.tick();
    expect(await stepEvents(w.fx, "StepClaimed")).to.deep.equal([`${w.id}/1`]);
  });

  it("settles a dispute the arbiter left unruled past its timeout", async () => {
    const w = await setup();
    await w.consume(0);
    const k = w.keeper();
    await k.tick();
    await w.fx.market.write.dispute([w.id, 1], { account: w.fx.buyer.account!, value: 2_000_000_000_000_000n });
    await time.increase(ARBITER_TIMEOUT);
    await k.tick();
    expect(await status(w.fx, w.id, 1)).to.equal(SETTLED);
    expect(w.events.some((e) => e.kind === "action" && e.action === "settleLapsed")).to.equal(true);
  });

  it("backs off exponentially, capped, while the RPC is down, and recovers", async () => {
    const w = await setup();
    await w.consume(0);
    let down = true;
    const real = w.fx.publicClient;
    const flaky = createPublicClient({
      chain: real.chain,
      transport: custom(
        {
          request: async ({ method, params }: { method: string; params?: unknown }) => {
            if (down) throw new Error("connection refused");
            return hre.network.provider.send(method, params as unknown[]);
          },
        },
        { retryCount: 0 },
      ),
    }) as unknown as PublicClient;
    const k = w.keeper({ writer: { ...w.writer, publicClient: flaky } });
    const controller = new AbortController();
    const sleeps: number[] = [];
    await k.run({
      signal: controller.signal,
      pollMs: 5,
      sleep: async (ms) => {
        sleeps.push(ms);
        if (sleeps.length === 5) down = false;
        if (sleeps.length === 6) controller.abort();
      },
    });
    expect(sleeps).to.deep.equal([1_000, 2_000, 4_000, 8_000, 8_000, 5]);
    expect(k.cursor!.pending.map((p) => p.step)).to.deep.equal([1]);
  });
});

/** A memory cursor store that starts from `cursor`. */
function memoryCursorStoreWith(cursor: NonNullable<ReturnType<ReturnType<typeof memoryCursorStore>["saved"]>>) {
  const store = memoryCursorStore();
  void store.save(cursor);
  return store;
}
