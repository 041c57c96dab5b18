/**
 * The `swarm` CLI's settlement and housekeeping commands as users run them (`node client/bin/swarm.js …`, keys in
 * key files, SWARM_* variables) against a real local chain and the gateway over HTTP: `sessions list` shows a
 * runner waiting, `dispute` posts the offer's bond (and is refused to a stranger and a second time), `cancel`
 * credits back the unconsumed steps and `withdraw` pays them out, `offer retire` stops purchases (and is refused a
 * second time), `offer list` shows each offer's state. Every refusal prints its code and exits 4, changing nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { type Address, type Hex, createWalletClient, formatEther, http, parseEther, toHex, zeroAddress } from "viem";

import { readCredit, readEntitlement, readOffer, readStep } from "../../client/src/chain/read";
import { type GatewayClient, createGatewayClient } from "../../client/src/gateway/client";
import type { StepPermit } from "../../client/src/protocol/eip712";
import { generateWorkerKeyPair, jwkThumbprint } from "../../client/src/protocol/keys";
import { swarmMarketAbi } from "../../client/src/protocol/abi/swarmMarket";
import {
  idTokenSourceFromEnv,
  openRunnerSession,
  permitDigestOf,
  realSleep,
  requestCaps,
  waitForPermit,
} from "../../client/src/runner";
import { DEV_COMMIT, DEV_PRICE, devAccount } from "../../devnet/stack";
import type { CliRun } from "../client/cli/runtime";
import { jsonOf, spawnCli } from "../client/cli/spawnCli";
import { claimAsDevVerifier } from "./support/claimStep";
import { type World, startWorld } from "./support/world";

const keyOf = (role: Parameters<typeof devAccount>[0]) => toHex(devAccount(role).getHdKey().privateKey!);
const PRICE = parseEther("0.01");
const BOND = parseEther("0.005");

function expectRefusal(run: CliRun, code: string, exitCode: number): void {
  expect(run.stderr, run.stderr).to.match(new RegExp(`^error ${code}: .+\\nhint: .+`, "m"));
  expect(run.code, run.stderr).to.equal(exitCode);
}

/** A runner of the development issuer's run `runId` with a session open on an entitlement, waiting for a permit. */
interface WaitingRunner {
  sessionId: string;
  runId: bigint;
  workerKey: Hex;
  /** The buyer attaches a permit for step 1; the runner asks for caps, so the gateway consumes it on-chain. */
  consumeStep1(): Promise<{ permit: StepPermit; permitDigest: Hex }>;
}

describe("e2e: the swarm CLI settles (dispute, cancel, withdraw) and retires and lists offers", function () {
  this.timeout(600_000);
  let world: World;
  let gateway: GatewayClient;
  let dir: string;
  let env: Record<string, string>;
  let offerId: bigint;
  let entitlementId: bigint;
  let runner: WaitingRunner;
  let nextRun = 910_000_001n;
  const buyer = ["--key-file", "buyer.key"];
  const seller = ["--key-file", "seller.key"];
  const cli = (args: string[]) => spawnCli(args, { env, cwd: dir });
  const reader = () => ({ publicClient: world.publicClient, market: world.market });
  const marketBalance = () => world.publicClient.getBalance({ address: world.market });
  const buyerCredit = () => readCredit(reader(), zeroAddress, devAccount("buyer").address);

  before(async () => {
    world = await startWorld();
    gateway = createGatewayClient(world.url, fetch);
    dir = mkdtempSync(path.join(tmpdir(), "swarm-cli-settle-"));
    writeFileSync(path.join(dir, "policy.json"), world.policy.bytes);
    writeFileSync(path.join(dir, "buyer.key"), `${keyOf("buyer")}\n`, { mode: 0o600 });
    writeFileSync(path.join(dir, "seller.key"), `${keyOf("seller")}\n`, { mode: 0o600 });
    env = {
      SWARM_RPC_URL: world.node.url,
      SWARM_MARKET: world.market,
      SWARM_CHAIN_ID: "31337",
      SWARM_GATEWAY_URL: world.url,
    };
  });

  after(async () => {
    await world?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  /** The buyer buys `steps` of `offer` (test code: `swarm buy` is covered by the CLI's main e2e test). */
  async function buy(offer: bigint, steps: number): Promise<bigint> {
    const wallet = createWalletClient({ account: devAccount("buyer"), transport: http(world.node.url) });
    const hash = await wallet.writeContract({
      chain: null,
      address: world.market,
      abi: swarmMarketAbi,
      functionName: "purchase",
      args: [offer, steps, zeroAddress],
      value: PRICE * BigInt(steps),
    });
    expect((await world.publicClient.waitForTransactionReceipt({ hash })).status).to.equal("success");
    return world.publicClient.readContract({
      address: world.market,
      abi: swarmMarketAbi,
      functionName: "entitlementCount",
    });
  }

  /** A "GitHub Actions job" opens a runner session on `id` through the SDK and waits (as `swarm run step` does). */
  async function openWaitingRunner(id: bigint): Promise<WaitingRunner> {
    const runId = nextRun++;
    const c = world.issuer.registerRun({ runId: runId.toString(), jobWorkflowSha: DEV_COMMIT, sha: DEV_COMMIT });
    const idToken = idTokenSourceFromEnv(
      { ACTIONS_ID_TOKEN_REQUEST_URL: c.requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: c.requestToken },
      { audience: world.gateway.context.audience, fetch },
    );
    const worker = generateWorkerKeyPair();
    const workerKey = jwkThumbprint(worker.publicJwk);
    const policy = { hash: world.policy.policyHash };
    const session = await openRunnerSession({ gateway, idToken, entitlementId: id, worker, policy });
    const clock = () => new Date();
    return {
      sessionId: session.id,
      runId,
      workerKey,
      async consumeStep1() {
        const bound: StepPermit = {
          entitlementId: id,
          step: 1,
          fromStep: 0,
          runId,
          runAttempt: 1,
          workerKey,
          commit: `0x${DEV_COMMIT}`,
          policyHash: world.policy.policyHash,
          gateway: world.gatewayAddress,
          deadline: BigInt(Math.floor(Date.now() / 1000) + 600),
        };
        await gateway.attachPermit(session.id, bound, await world.signPermit(bound));
        const { permit, signature } = await waitForPermit({
          gateway,
          sessionId: session.id,
          expected: { entitlementId: id, workerKey, runId, runAttempt: 1 },
          clock,
          sleep: realSleep,
          deadline: new Date(Date.now() + 30_000),
          backoff: { initialMs: 20, maxMs: 200, factor: 2 },
        });
        const permitDigest = permitDigestOf(permit, 31337n, world.market);
        await requestCaps({
          gateway,
          idToken,
          permit,
          signature,
          permitDigest,
          worker,
          policy,
          clock,
          sleep: realSleep,
          deadline: new Date(Date.now() + 30_000),
        });
        return { permit, permitDigest };
      },
    };
  }

  /** A verifier signs a StepAttestation of the consumed step and a keeper claims it on-chain. */
  async function claim(permit: StepPermit, permitDigest: Hex): Promise<void> {
    await claimAsDevVerifier(world, permit, { permitDigest, certificateHash: `0x${"c1".repeat(32)}` });
  }

  it("the seller publishes an offer with a dispute bond (seller key from a file)", async () => {
    const published = await cli([
      ...seller,
      ...["offer", "publish", "--capsule", "policy.json", "--price", "0.01ether", "--commit", DEV_COMMIT],
      ...["--arbiter", devAccount("arbiter").address, "--verifier", devAccount("verifier").address],
      ...["--dispute-bond", "0.005ether", "--json"],
    ]);
    expect(published.code, published.stderr).to.equal(0);
    offerId = BigInt(jsonOf<{ offerId: string }>(published).offerId);
    const offer = await readOffer(reader(), offerId);
    expect(offer.terms.disputeBond).to.equal(BOND);
    expect(offer.retired).to.equal(false);
  });

  it("`sessions list` shows a runner session waiting for a permit", async () => {
    entitlementId = await buy(offerId, 3);
    runner = await openWaitingRunner(entitlementId);
    const listed = await cli([...buyer, "sessions", "list", entitlementId.toString(), "--waiting", "--json"]);
    expect(listed.code, listed.stderr).to.equal(0);
    const { sessions } = jsonOf<{ sessions: Record<string, unknown>[] }>(listed);
    expect(sessions).to.have.length(1);
    expect(sessions[0]).to.include({
      id: runner.sessionId,
      entitlementId: entitlementId.toString(),
      runId: runner.runId.toString(),
      runAttempt: 1,
      workerKey: runner.workerKey,
      hasPermit: false,
    });
    expect(Number.isNaN(Date.parse(String(sessions[0]!.expiresAt)))).to.equal(false);
  });

  it("refuses a dispute by a key that is not the buyer's (MARKET_NOT_BUYER, exit 4) and takes no bond", async () => {
    const { permit, permitDigest } = await runner.consumeStep1();
    await claim(permit, permitDigest);
    expect((await readStep(reader(), entitlementId, 1)).status).to.equal("Claimed");
    const balance = await marketBalance();
    const stranger = await cli([...seller, "dispute", entitlementId.toString(), "1", "--json"]);
    expectRefusal(stranger, "MARKET_NOT_BUYER", 4);
    expect(JSON.parse(stranger.stdout).error).to.include({ code: "MARKET_NOT_BUYER", exitCode: 4 });
    expect((await readStep(reader(), entitlementId, 1)).status).to.equal("Claimed");
    expect(await marketBalance()).to.equal(balance);
  });

  it("the buyer disputes the claimed step, posting the offer's bond; a second dispute is refused", async () => {
    const balance = await marketBalance();
    const disputed = await cli([...buyer, "dispute", entitlementId.toString(), "1", "--json"]);
    expect(disputed.code, disputed.stderr).to.equal(0);
    expect(jsonOf<{ entitlementId: string; step: number; bond: string }>(disputed)).to.include({
      entitlementId: entitlementId.toString(),
      step: 1,
      bond: BOND.toString(),
    });
    const step = await readStep(reader(), entitlementId, 1);
    expect(step.status).to.equal("Disputed");
    expect(step.disputedAt > 0n).to.equal(true);
    expect(await marketBalance()).to.equal(balance + BOND);

    const again = await cli([...buyer, "dispute", entitlementId.toString(), "1"]);
    expectRefusal(again, "MARKET_INVALID_STEP_STATUS", 4);
    expect((await readStep(reader(), entitlementId, 1)).disputedAt).to.equal(step.disputedAt);
    expect(await marketBalance()).to.equal(balance + BOND);
  });

  it("`cancel` credits back only the unconsumed steps (once), and `withdraw` pays the credit out", async () => {
    const creditBefore = await buyerCredit();
    const cancelled = await cli([...buyer, "cancel", entitlementId.toString(), "--json"]);
    expect(cancelled.code, cancelled.stderr).to.equal(0);
    expect(jsonOf<{ steps: number; amount: string }>(cancelled)).to.include({
      steps: 2,
      amount: (PRICE * 2n).toString(),
    });
    const e = await readEntitlement(reader(), entitlementId);
    expect({ bought: e.bought, consumed: e.consumed }).to.deep.equal({ bought: 1, consumed: 1 });
    const credit = await buyerCredit();
    expect(credit).to.equal(creditBefore + PRICE * 2n);
    const again = await cli([...buyer, "cancel", entitlementId.toString()]);
    expectRefusal(again, "MARKET_NOTHING_TO_CANCEL", 4);
    expect(await buyerCredit()).to.equal(credit);

    const balance = await marketBalance();
    const withdrawn = await cli([...buyer, "withdraw", "--json"]);
    expect(withdrawn.code, withdrawn.stderr).to.equal(0);
    expect(jsonOf<{ amount: string; to: Address }>(withdrawn)).to.include({
      amount: credit.toString(),
      to: devAccount("buyer").address,
    });
    expect(await buyerCredit()).to.equal(0n);
    expect(await marketBalance()).to.equal(balance - credit);
    expect((await readStep(reader(), entitlementId, 1)).status).to.equal("Disputed"); // the bond stays escrowed
  });

  it("`offer retire` is the seller's, stops purchases (MARKET_OFFER_IS_RETIRED, exit 4), and is refused twice", async () => {
    const notMine = await cli([...buyer, "offer", "retire", world.offerId.toString()]);
    expectRefusal(notMine, "MARKET_NOT_SELLER", 4);
    expect((await readOffer(reader(), world.offerId)).retired).to.equal(false);

    const retired = await cli([...seller, "offer", "retire", offerId.toString(), "--json"]);
    expect(retired.code, retired.stderr).to.equal(0);
    expect(jsonOf<{ offerId: string; retired: boolean }>(retired)).to.include({
      offerId: offerId.toString(),
      retired: true,
    });
    expect((await readOffer(reader(), offerId)).retired).to.equal(true);

    const buyerAddress = devAccount("buyer").address;
    const nonce = await world.publicClient.getTransactionCount({ address: buyerAddress });
    const count = await world.publicClient.readContract({
      address: world.market,
      abi: swarmMarketAbi,
      functionName: "entitlementCount",
    });
    const bought = await cli([...buyer, "buy", offerId.toString(), "--steps", "1", "--json"]);
    expectRefusal(bought, "MARKET_OFFER_IS_RETIRED", 4);
    expect(JSON.parse(bought.stdout).error).to.include({ code: "MARKET_OFFER_IS_RETIRED", exitCode: 4 });
    expect(await world.publicClient.getTransactionCount({ address: buyerAddress })).to.equal(nonce);
    expect(
      await world.publicClient.readContract({
        address: world.market,
        abi: swarmMarketAbi,
        functionName: "entitlementCount",
      }),
    ).to.equal(count);

    const again = await cli([...seller, "offer", "retire", offerId.toString()]);
    expectRefusal(again, "MARKET_OFFER_IS_RETIRED", 4);
    expect((await readOffer(reader(), offerId)).retired).to.equal(true);
  });

  it("`offer list` shows the seller's offers with their state; --open leaves the retired one out", async () => {
    const sellerAddress = devAccount("seller").address;
    const listed = await cli(["offer", "list", "--seller", sellerAddress, "--json"]);
    expect(listed.code, listed.stderr).to.equal(0);
    const { offers } = jsonOf<{ offers: Record<string, unknown>[] }>(listed);
    expect(offers.map((o) => [o.offerId, o.seller, o.retired])).to.deep.equal([
      [world.offerId.toString(), sellerAddress, false],
      [offerId.toString(), sellerAddress, true],
    ]);
    const mine = offers[1]!;
    expect(Object.keys(mine).sort()).to.deep.equal(
      ["offerId", "publishedInBlock", "publishedInTx", "retired", "seller", "terms", "termsHash"].sort(),
    );
    expect(mine.terms).to.include({
      pricePerStep: PRICE.toString(),
      disputeBond: BOND.toString(),
      policyHash: world.policy.policyHash,
      gateway: world.gatewayAddress,
      quorum: 1,
    });
    expect((mine.terms as { verifiers: unknown }).verifiers).to.deep.equal([devAccount("verifier").address]);
    expect(mine.publishedInTx).to.match(/^0x[0-9a-f]{64}$/);
    expect(mine.publishedInBlock).to.match(/^[1-9][0-9]*$/);

    const open = await cli(["offer", "list", "--seller", sellerAddress, "--open"]);
    expect(open.code, open.stderr).to.equal(0);
    const lines = open.stdout.trim().split("\n");
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(
      new RegExp(`^${world.offerId}\\topen\\t${formatEther(DEV_PRICE)} ETH per step\\tseller ${sellerAddress}\\t`),
    );
  });
});
