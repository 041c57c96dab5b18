/**
 * The keeper as an operator runs it: `swarm keeper run` in a child process, against a real local chain, the
 * SDK verifier service and the evidence a real runner wrote. A keeper killed mid-claim (its claim transaction
 * sent and mined, the answer never seen) and restarted from its cursor claims nothing twice and misses nothing;
 * two keepers running at once settle each step exactly once.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { type Hex, parseEventLogs, toHex } from "viem";

import { readStep } from "../../client/src/chain/read";
import { swarmMarketAbi } from "../../client/src/protocol/abi/swarmMarket";
import { startDevGithub } from "../../devnet/github";
import { DEV_REPOSITORY, type DEV_ROLES, devAccount } from "../../devnet/stack";
import { advanceChainTime } from "../../scripts/demo/chainTime";
import { DEMO_DISPUTE_WINDOW, type DemoOffer } from "../../scripts/demo/seller";
import { type DemoWorld, startDemoWorld } from "../../scripts/demo/world";
import { type SwitchableProxy, startSwitchableProxy } from "../support/switchableProxy";

const ROOT = path.resolve(__dirname, "..", "..");
const SWARM = path.join(ROOT, "client", "bin", "swarm.js");
const STEPS = 3;

/** A keeper child process and what it wrote to stderr (JSON log lines). */
interface KeeperChild {
  readonly child: ChildProcess;
  log(): string;
  exited: Promise<number | null>;
}

/** The development key of a role, hex (it exists only on the local chain). */
function devKey(role: keyof typeof DEV_ROLES): Hex {
  return toHex(devAccount(role).getHdKey().privateKey!);
}

/** Waits (polling the chain) until `ready()` holds; fails after `ms` with `what`. */
async function until(what: string, ready: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The market's events of `name` for an entitlement, as step numbers in chain order. */
async function stepsWith(world: DemoWorld, name: "StepClaimed" | "StepSettled", id: bigint): Promise<number[]> {
  const logs = await world.roles.publicClient.getLogs({ address: world.roles.market, fromBlock: 0n });
  return parseEventLogs({ abi: swarmMarketAbi, logs, eventName: name })
    .filter((l) => l.args.entitlementId === id)
    .map((l) => l.args.step);
}

async function statuses(world: DemoWorld, id: bigint): Promise<string[]> {
  const out: string[] = [];
  for (let s = 1; s <= STEPS; s++) out.push((await readStep(world.roles.buyer, id, s)).status);
  return out;
}

describe("e2e: swarm keeper run, killed and restarted, and two at once", function () {
  this.timeout(600_000);
  let world: DemoWorld;
  let dir: string;
  const children: ChildProcess[] = [];
  const proxies: SwitchableProxy[] = [];

  /** Spawns `swarm keeper run` against `rpcUrl`, sending from `role`'s key, with its own cursor file. */
  function startKeeper(
    rpcUrl: string,
    role: keyof typeof DEV_ROLES,
    cursor: string,
    extra: string[] = [],
    env: Record<string, string> = {},
  ): KeeperChild {
    const stack = world.services.stack;
    const child = spawn(
      process.execPath,
      [
        SWARM,
        "--rpc-url",
        rpcUrl,
        "--chain-id",
        String(stack.chain.id),
        "--market",
        stack.market,
        "--from-block",
        stack.deployBlock.toString(),
        "keeper",
        "run",
        ...(extra.includes("--github-repo") ? [] : ["--evidence-dir", world.out.evidence]),
        "--verifier-url",
        world.verifier.url,
        "--depth",
        "0",
        "--poll",
        "1",
        "--cursor",
        path.join(dir, cursor),
        "--log-level",
        "info",
        ...extra,
      ],
      {
        cwd: ROOT,
        env: { ...process.env, ...env, SWARM_PRIVATE_KEY: devKey(role) },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    children.push(child);
    let log = "";
    child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
    child.stdout!.resume();
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    return { child, log: () => log, exited };
  }

  /** Runs `steps` honest steps of a fresh entitlement of `offer` (each continuing the previous); returns its id. */
  async function runSteps(offer: DemoOffer, runBase: bigint): Promise<bigint> {
    const id = await world.buy(offer, STEPS);
    const ctx = world.runner(offer, id);
    for (let step = 1; step <= STEPS; step++) await world.playStep(ctx, step - 1, runBase + BigInt(step));
    return id;
  }

  /** One offer per test (each test's keepers follow only theirs), and its steps all run before any time moves. */
  let killedOffer: DemoOffer;
  let pairOffer: DemoOffer;
  let githubOffer: DemoOffer;
  let killedId: bigint;
  let pairId: bigint;
  let githubId: bigint;
  before(async () => {
    world = await startDemoWorld();
    dir = await mkdtemp(path.join(tmpdir(), "swarm-keeper-e2e-"));
    killedOffer = world.offer;
    pairOffer = await world.publishOffer({ verifiers: [world.verifier.address], quorum: 1 });
    killedId = await runSteps(killedOffer, 8_200_000_000n);
    pairId = await runSteps(pairOffer, 8_300_000_000n);
    githubOffer = await world.publishOffer({ verifiers: [world.verifier.address], quorum: 1 });
    githubId = await runSteps(githubOffer, 8_400_000_000n);
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    for (const p of proxies) await p.stop();
    await world?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("killed right after sending a claim and restarted from its cursor: nothing claimed twice, nothing missed", async () => {
    const id = killedId;
    const only = ["--offer", killedOffer.offerId.toString()];
    // The keeper reaches the chain through a proxy that lets its first claim through to the node (mined) and then
    // never answers: the keeper is killed while it waits for the hash of a transaction that is already on-chain.
    const proxy = await startSwitchableProxy(world.services.stack.node.url);
    proxies.push(proxy);
    let sent!: () => void;
    const claimSent = new Promise<void>((resolve) => (sent = resolve));
    let release!: () => void;
    const frozen = new Promise<void>((resolve) => (release = resolve));
    let seen = false;
    proxy.onResponse(async (rpc) => {
      if (!seen && rpc.methods.includes("eth_sendRawTransaction")) {
        seen = true;
        sent();
        await frozen;
      } else if (seen) await frozen;
    });
    const first = startKeeper(proxy.url, "keeper", "killed.json", only);
    await claimSent;
    first.child.kill("SIGKILL");
    expect(await first.exited).to.equal(null);
    release();
    await until("step 1 claimed by the killed keeper's transaction", async () =>
      (await stepsWith(world, "StepClaimed", id)).includes(1),
    );
    expect(await stepsWith(world, "StepClaimed", id)).to.deep.equal([1]);

    const restarted = startKeeper(world.services.stack.node.url, "keeper", "killed.json", [
      ...only,
      "--metrics-port",
      "0",
    ]);
    await until("every step claimed", async () => (await stepsWith(world, "StepClaimed", id)).length === STEPS);
    await new Promise((r) => setTimeout(r, 2_500)); // two more polls: a late double claim would show now
    expect(await stepsWith(world, "StepClaimed", id)).to.deep.equal([1, 2, 3]);
    expect(await statuses(world, id)).to.deep.equal(["Claimed", "Claimed", "Claimed"]);

    const started = restarted
      .log()
      .split("\n")
      .filter((l) => l.includes('"keeper started"'))
      .map((l) => JSON.parse(l) as { metrics?: string });
    const metrics = await (await fetch(started[0]!.metrics!)).text();
    expect(metrics).to.match(/swarm_keeper_actions_total\{action="claim",result="sent"\} 2\n/);
    expect(restarted.log()).to.not.include(devKey("keeper").slice(2));
    restarted.child.kill("SIGTERM");
    expect(await restarted.exited).to.equal(0);
  });

  it("reads the evidence through GitHub's REST API shape (development server): artifacts and attestations", async () => {
    const token = "gh-token-for-the-development-server";
    const github = await startDevGithub({ repository: DEV_REPOSITORY, token });
    try {
      expect(await github.publishEvidenceFolder(world.out.evidence)).to.be.greaterThan(STEPS);
      const k = startKeeper(
        world.services.stack.node.url,
        "keeper",
        "github.json",
        ["--offer", githubOffer.offerId.toString(), "--github-repo", DEV_REPOSITORY, "--github-api-url", github.url],
        { SWARM_GITHUB_TOKEN: token },
      );
      await until("every step claimed", async () => (await stepsWith(world, "StepClaimed", githubId)).length === STEPS);
      expect(await stepsWith(world, "StepClaimed", githubId)).to.deep.equal([1, 2, 3]);
      const attestationLookups = github.requests.filter((r) => r.path.includes("/attestations/sha256:"));
      expect(attestationLookups.length).to.be.at.least(STEPS);
      expect(attestationLookups.every((r) => r.authorized)).to.equal(true);
      k.child.kill("SIGTERM");
      expect(await k.exited).to.equal(0);
      expect(k.log()).to.not.include(token);
    } finally {
      await github.stop();
    }
  });

  it("two keepers at once, from different accounts and cursors: each step claimed once and settled once", async () => {
    const id = pairId;
    const only = ["--offer", pairOffer.offerId.toString()];
    const a = startKeeper(world.services.stack.node.url, "keeper", "a.json", only);
    const b = startKeeper(world.services.stack.node.url, "deployer", "b.json", only);
    await until("every step claimed", async () => (await stepsWith(world, "StepClaimed", id)).length === STEPS);
    await advanceChainTime(world.services.stack.node.url, DEMO_DISPUTE_WINDOW + 1);
    await until("every step settled", async () => (await statuses(world, id)).every((s) => s === "Settled"));
    await new Promise((r) => setTimeout(r, 2_500)); // two more polls each: a late double claim would show now
    expect(await stepsWith(world, "StepClaimed", id)).to.deep.equal([1, 2, 3]);
    expect([...(await stepsWith(world, "StepSettled", id))].sort()).to.deep.equal([1, 2, 3]);
    for (const k of [a, b]) {
      k.child.kill("SIGTERM");
      expect(await k.exited).to.equal(0);
      expect(k.log()).to.not.match(/"level":50/); // no error-level line
    }
  });

  it("restarted again after the dispute window (the clock moved in the test above), it finalizes every step once", async () => {
    const k = startKeeper(world.services.stack.node.url, "keeper", "killed.json", [
      "--offer",
      killedOffer.offerId.toString(),
    ]);
    await until("every step settled", async () => (await statuses(world, killedId)).every((s) => s === "Settled"));
    expect(await stepsWith(world, "StepClaimed", killedId)).to.deep.equal([1, 2, 3]);
    expect([...(await stepsWith(world, "StepSettled", killedId))].sort()).to.deep.equal([1, 2, 3]);
    k.child.kill("SIGTERM");
    expect(await k.exited).to.equal(0);
  });
});
