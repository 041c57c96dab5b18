import { expect } from "chai";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { type Hex, type PublicClient, bytesToHex, createPublicClient, http } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { createNonceManager, jsonRpc } from "viem/nonce";

import { evidenceAnchorAbi } from "../../client/src/protocol/abi/evidenceAnchor";
import { leafHash, rootOf } from "../../client/src/protocol/transparency/hash";
import { writeDevGatewayConfig } from "../../devnet/gatewayConfig";
import { startGatewayProcess } from "../../devnet/gatewayProcess";
import { DEV_MNEMONIC, DEV_ROLES, type DevStack, startDevStack } from "../../devnet/stack";
import { ANCHOR_CODES, anchorRecordsPath, openAnchorRecords } from "../../gateway/src/anchor";
import { GatewayError } from "../../gateway/src/errors";
import { createGatewayApp } from "../../gateway/src/http/app";
import { type RunningServer, startGatewayServer } from "../../gateway/src/http/server";
import { type WiredGateway, wireGateway } from "../../gateway/src/service/wire";
import { type SwitchableProxy, startSwitchableProxy } from "../support/switchableProxy";
import { crashRunner, postCaps } from "./support/crashRunner";

const HOUR_MS = 3_600_000;

describe("e2e: gateway anchoring survives a chain outage and a restart", function () {
  this.timeout(240_000);
  let stack: DevStack;
  let rpcProxy: SwitchableProxy;
  let anchorProxy: SwitchableProxy;
  let dir: string;
  const receiptKey = generateKeyPairSync("ed25519");
  const netCapKey = generateKeyPairSync("ed25519").privateKey;
  const secret = randomBytes(32);
  let gateway: { wired: WiredGateway; server: RunningServer } | undefined;

  before(async () => {
    stack = await startDevStack();
    rpcProxy = await startSwitchableProxy(stack.node.url);
    anchorProxy = await startSwitchableProxy(stack.node.url);
    dir = await mkdtemp(path.join(tmpdir(), "swarm-anchor-e2e-"));
  });

  after(async () => {
    await stopGateway();
    await anchorProxy?.stop();
    await rpcProxy?.stop();
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Wires a gateway over the same ledger; consumptions through `rpcProxy`, anchoring through `anchorProxy`. */
  async function startGateway(): Promise<{ wired: WiredGateway; server: RunningServer }> {
    const chain = { ...stack.chain, rpcUrls: { default: { http: [rpcProxy.url] } } };
    const publicClient = createPublicClient({ chain, transport: http(rpcProxy.url, { retryCount: 0 }) });
    const wired = await wireGateway({
      clock: () => new Date(),
      chain,
      rpcUrl: rpcProxy.url,
      publicClient: publicClient as PublicClient,
      market: stack.market,
      deployBlock: stack.deployBlock,
      confirmations: 1,
      account: mnemonicToAccount(DEV_MNEMONIC, {
        addressIndex: DEV_ROLES.gateway,
        nonceManager: createNonceManager({ source: jsonRpc() }),
      }),
      oidc: { issuer: stack.issuer.issuer, jwksUrl: stack.issuer.jwksUri, leewaySeconds: 60, cooldownSeconds: 1 },
      fetch,
      ledgerPath: path.join(dir, "receipts.ndjson"),
      receiptKey,
      netCapKey,
      secrets: [{ kv: 1, startBlock: 0n, secret }],
      policies: [stack.policy.bytes],
      // A long interval: the schedule's first round is an hour away, so the test drives every round with tick().
      anchor: {
        settings: {
          contract: stack.anchor,
          deployBlock: stack.anchorDeployBlock,
          intervalMs: HOUR_MS,
          receiptTimeoutMs: 3_000,
        },
        rpcUrl: anchorProxy.url,
      },
    });
    const { app } = createGatewayApp(wired.services, {
      logger: pino({ level: process.env.ANCHOR_E2E_LOG ?? "silent" }),
      clock: () => new Date(),
      rateLimit: { ratePerSecond: 10_000, burst: 10_000 },
    });
    gateway = { wired, server: await startGatewayServer(app, {}) };
    return gateway;
  }

  async function stopGateway(): Promise<void> {
    if (gateway === undefined) return;
    await gateway.server.close();
    await gateway.wired.close();
    gateway = undefined;
  }

  /** Buys one step and has a fresh runner release its caps through the gateway. */
  async function release(url: string): Promise<void> {
    const runner = await crashRunner(stack, await stack.buy(1));
    const answer = await postCaps(url, runner.body, await runner.token());
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
  }

  /** The RFC 6962 root of the ledger file's first `size` lines. */
  async function ledgerRoot(size: number): Promise<Hex> {
    const lines = (await readFile(path.join(dir, "receipts.ndjson"), "utf8")).split("\n").slice(0, size);
    return bytesToHex(rootOf(lines.map((l) => leafHash(Buffer.from(l, "utf8")))));
  }

  it("releases while the anchor RPC is down, queues the receipts unanchored, then anchors them when it is back", async () => {
    const { wired, server } = await startGateway();
    const anchorer = wired.anchoring!.anchorer;

    anchorProxy.setDown(true);
    await release(server.url);
    await release(server.url);
    const size = wired.ledger.head().size;
    expect(size).to.be.greaterThan(0);
    const failed = await anchorer.tick().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failed).to.be.instanceOf(GatewayError);
    expect((failed as GatewayError).code).to.equal(ANCHOR_CODES.CHAIN_UNAVAILABLE);
    expect(anchorer.status()).to.deep.include({ lastEpoch: 0, unanchored: size, consecutiveFailures: 1 });
    const ready = await wired.services.ready();
    expect(ready.ready, "anchoring must not make the gateway unready").to.equal(true);
    expect(ready.checks.anchor).to.equal("down");

    anchorProxy.setDown(false);
    const outcome = await anchorer.tick();
    expect(outcome.kind).to.equal("anchored");
    expect(anchorer.status()).to.deep.include({ lastEpoch: 1, anchoredTreeSize: size, unanchored: 0 });
    expect((await wired.services.ready()).checks.anchor).to.equal("ok");

    const [epoch, root, treeSize] = await stack.publicClient.readContract({
      address: stack.anchor,
      abi: evidenceAnchorAbi,
      functionName: "head",
      args: [stack.gateway],
    });
    expect([epoch, treeSize]).to.deep.equal([1n, BigInt(size)]);
    expect(root).to.equal(await ledgerRoot(size));
  });

  it("continues with contiguous epochs after a restart over the same ledger and records", async () => {
    await stopGateway();
    const { wired, server } = await startGateway();
    await release(server.url);
    await wired.anchoring!.anchorer.tick();
    const size = wired.ledger.head().size;
    await stopGateway();

    const records = await openAnchorRecords(anchorRecordsPath(path.join(dir, "receipts.ndjson")));
    const all = records.all();
    await records.close();
    expect(all.map((r) => r.epoch)).to.deep.equal(["1", "2"]);
    expect(all[1]!.prevRoot).to.equal(all[0]!.root);
    expect(all[1]!.treeSize).to.equal(String(size));
    expect(all[1]!.root).to.equal(await ledgerRoot(size));
    for (const r of all) {
      const onChain = await stack.publicClient.readContract({
        address: stack.anchor,
        abi: evidenceAnchorAbi,
        functionName: "rootAt",
        args: [stack.gateway, BigInt(r.epoch)],
      });
      expect(onChain).to.equal(r.root);
      const receipt = await stack.publicClient.getTransactionReceipt({ hash: r.transactionHash as Hex });
      expect(receipt.blockNumber.toString()).to.equal(r.blockNumber);
      expect(r.issuer).to.equal(stack.gateway.toLowerCase());
      expect(r.contract).to.equal(stack.anchor.toLowerCase());
    }
  });

  it("recovers an epoch whose transaction was mined while the anchor RPC died before answering", async () => {
    const { wired, server } = await startGateway();
    await release(server.url);
    // The answer to the anchor's own transaction is relayed, then the RPC dies: the receipt wait fails.
    const off = anchorProxy.onResponse((rpc) => {
      if (rpc.methods.includes("eth_sendRawTransaction")) anchorProxy.setDown(true);
    });
    const failed = await wired.anchoring!.anchorer.tick().then(
      () => undefined,
      (e: unknown) => e,
    );
    off();
    expect((failed as GatewayError).code).to.equal(ANCHOR_CODES.CHAIN_UNAVAILABLE);
    anchorProxy.setDown(false);
    await wired.anchoring!.anchorer.tick();
    const all = wired.anchoring!.records.all();
    expect(all.map((r) => r.epoch)).to.deep.equal(["1", "2", "3"]);
    const [epoch] = await stack.publicClient.readContract({
      address: stack.anchor,
      abi: evidenceAnchorAbi,
      functionName: "head",
      args: [stack.gateway],
    });
    expect(epoch, "the recovered epoch must not be anchored twice").to.equal(3n);
    await stopGateway();
  });
});

describe("e2e: npm run gateway with anchoring configured", function () {
  this.timeout(180_000);
  let stack: DevStack;
  let dir: string;

  before(async () => {
    stack = await startDevStack();
    dir = await mkdtemp(path.join(tmpdir(), "swarm-anchor-process-"));
  });

  after(async () => {
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("anchors its ledger root on its schedule and records the epoch beside the ledger", async () => {
    const config = await writeDevGatewayConfig(stack, dir, { anchorIntervalSeconds: 1 });
    const gw = await startGatewayProcess(config);
    try {
      const runner = await crashRunner(stack, await stack.buy(1));
      const answer = await postCaps(gw.url, runner.body, await runner.token());
      expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
      // Wait (bounded) for the schedule's first round: a condition, not a timing assertion.
      let epoch = 0n;
      for (let i = 0; i < 600 && epoch === 0n; i++) {
        await new Promise((r) => setTimeout(r, 100));
        [epoch] = await stack.publicClient.readContract({
          address: stack.anchor,
          abi: evidenceAnchorAbi,
          functionName: "head",
          args: [stack.gateway],
        });
      }
      expect(epoch, gw.output()).to.equal(1n);
    } finally {
      await gw.stop("SIGTERM");
    }
    expect(gw.child.exitCode).to.equal(0);
    const records = await openAnchorRecords(anchorRecordsPath(path.join(dir, "receipts.ndjson")));
    const [first] = records.all();
    await records.close();
    const onChain = await stack.publicClient.readContract({
      address: stack.anchor,
      abi: evidenceAnchorAbi,
      functionName: "rootAt",
      args: [stack.gateway, 1n],
    });
    expect(first?.root).to.equal(onChain);
    expect(gw.output()).to.contain('"msg":"anchored"');
  });
});
