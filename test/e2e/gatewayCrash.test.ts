import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Hex } from "viem";

import { decryptCaps } from "../../client/src/protocol/caps";
import { writeDevGatewayConfig } from "../../devnet/gatewayConfig";
import { type DevStack, startDevStack } from "../../devnet/stack";
import { type GatewayProcess, startGatewayProcess } from "../../devnet/gatewayProcess";
import { type RpcRequest, type SwitchableProxy, startSwitchableProxy } from "../support/switchableProxy";
import {
  type CrashRunner,
  chainConsumption,
  crashRunner,
  jweHeader,
  postCaps,
  setLedgerPath,
  verifiedReceipts,
} from "./support/crashRunner";

/** A mined transaction's receipt, as a node answers eth_getTransactionReceipt. */
interface MinedReceipt {
  blockNumber: Hex;
  transactionHash: Hex;
}

/** The first mined receipt in a JSON-RPC answer (one object or a batch array), if any. */
function receiptIn(answer: unknown): MinedReceipt | undefined {
  for (const item of Array.isArray(answer) ? answer : [answer]) {
    const result = (item as { result?: unknown } | null)?.result as Partial<MinedReceipt> | null | undefined;
    if (typeof result?.blockNumber === "string" && typeof result.transactionHash === "string") {
      return { blockNumber: result.blockNumber, transactionHash: result.transactionHash };
    }
  }
  return undefined;
}

/** The working directory `startGatewayProcess` runs the gateway in. */
const GATEWAY_CWD = path.resolve(__dirname, "../..");

/**
 * The contracts issue's crash case: the gateway process is SIGKILLed after it sent the consumption and before
 * it answered the runner. The gateway runs as a real process whose RPC goes through a proxy in front of the
 * Hardhat node; the proxy shows the test each JSON-RPC call, and the test kills the process at an exact call.
 * Hardhat mines on `eth_sendRawTransaction`, so once the node has answered that call the consumption is on-chain.
 *
 * A third moment, after the `released` receipt is written and before the HTTP answer, has no outside event the
 * test could hold: no RPC call follows the ledger write, and the answer leaves right after it in-process. Hitting
 * it reliably would need a hook in production code, so it is not tested here; the runner would get the same
 * re-delivery, and the ledger would hold two `released` receipts (the lost one and the re-delivery).
 */
describe("e2e: a gateway process killed between consuming a permit and answering", function () {
  this.timeout(240_000);
  let stack: DevStack;
  let proxy: SwitchableProxy;
  let dir: string;
  let config: string;
  const started: GatewayProcess[] = [];
  const unhook: (() => void)[] = [];

  before(async () => {
    stack = await startDevStack();
    proxy = await startSwitchableProxy(stack.node.url);
    dir = await mkdtemp(path.join(tmpdir(), "swarm-crash-"));
    config = await writeDevGatewayConfig(stack, dir, { rpcUrl: proxy.url });
  });

  afterEach(async () => {
    for (const off of unhook.splice(0)) off();
    for (const gw of started.splice(0)) await gw.stop("SIGKILL");
  });

  after(async () => {
    await proxy?.stop();
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function start(file = config): Promise<GatewayProcess> {
    const gw = await startGatewayProcess(file);
    started.push(gw);
    return gw;
  }

  /** Counts the consume transactions the gateway processes send, across restarts. */
  function countSends(): () => number {
    let sends = 0;
    unhook.push(
      proxy.onRequest((rpc) => void (sends += rpc.methods.filter((m) => m === "eth_sendRawTransaction").length)),
    );
    return () => sends;
  }

  /** Sends the runner's caps request to a gateway that dies before answering; resolves once it is dead. */
  async function lostAnswer(gw: GatewayProcess, runner: CrashRunner): Promise<void> {
    const outcome = await postCaps(gw.url, runner.body, await runner.token()).then(
      (answer) => answer,
      (err: unknown) => err,
    );
    expect(outcome, "the runner must get no answer: the gateway died").to.be.instanceOf(Error);
    await gw.stop("SIGKILL");
    expect(gw.child.signalCode).to.equal("SIGKILL");
  }

  /** The same runner (same worker key, fresh token) asks the restarted gateway, and must get its caps once. */
  async function redeliverAfterRestart(runner: CrashRunner, consumeTx: Hex, sends: () => number): Promise<void> {
    const id = runner.permit.entitlementId;
    const onChain = await chainConsumption(stack, id, 1);
    expect(onChain.events.map((e) => e.transactionHash)).to.deep.equal([consumeTx]);
    expect(onChain.consumed).to.equal(1);

    const restarted = await start();
    expect(restarted.output()).to.contain('"msg":"ledger verified"');
    const answer = await postCaps(restarted.url, runner.body, await runner.token());
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    expect(answer.body.redelivery).to.equal(true);
    expect(answer.body.txHash).to.equal(consumeTx);

    const jwe = answer.body.jwe as string;
    const header = jweHeader(jwe);
    expect([header.entitlementId, header.step, header.permitDigest]).to.deep.equal([id.toString(), "1", runner.digest]);
    const caps = await decryptCaps(jwe, runner.worker.privateKey, {
      entitlementId: id,
      step: 1,
      permitDigest: runner.digest,
      clock: () => new Date(),
    });
    expect(caps.stateCapOut).to.match(/^0x[0-9a-f]{64}$/);

    const after = await chainConsumption(stack, id, 1);
    expect(after.events.map((e) => e.transactionHash)).to.deep.equal([consumeTx]);
    expect(after.consumed).to.equal(1);
    expect(sends(), "the restarted gateway must not send a second consumption").to.equal(1);

    const released = (await verifiedReceipts(restarted.url, dir)).filter(
      (r) => r.kind === "released" && r.subject.entitlementId === id.toString(),
    );
    expect(released.map((r) => [r.result.redelivery, r.result.txHash])).to.deep.equal([[true, consumeTx]]);
    await restarted.stop("SIGTERM");
    expect(restarted.child.exitCode).to.equal(0);
  }

  it("re-delivers once, consuming nothing more, after a kill between sending the consumption and hearing its hash", async () => {
    const runner = await crashRunner(stack, await stack.buy(1));
    const sends = countSends();
    const gw = await start();
    let consumeTx: Hex | undefined;
    // The moment: the node has accepted (and mined) eth_sendRawTransaction; its answer is held, the process killed.
    unhook.push(
      proxy.onResponse(async (rpc, answer) => {
        if (consumeTx !== undefined || !rpc.methods.includes("eth_sendRawTransaction")) return;
        const answers: unknown[] = Array.isArray(answer) ? answer : [answer];
        consumeTx = (answers[rpc.methods.indexOf("eth_sendRawTransaction")] as { result: Hex }).result;
        await gw.stop("SIGKILL");
      }),
    );
    await lostAnswer(gw, runner);
    expect(consumeTx).to.match(/^0x[0-9a-f]{64}$/);
    await redeliverAfterRestart(runner, consumeTx!, sends);
  });

  it("re-delivers once, consuming nothing more, after a kill between reading the consumption receipt and answering", async () => {
    const runner = await crashRunner(stack, await stack.buy(1));
    const sends = countSends();
    const gw = await start();
    let mined: MinedReceipt | undefined;
    let killed = false;
    unhook.push(
      proxy.onResponse((rpc, answer) => {
        if (mined === undefined && rpc.methods.includes("eth_getTransactionReceipt")) mined = receiptIn(answer);
      }),
      // The moment, by what the gateway asks, never by time: the first request (single or in a JSON-RPC batch)
      // for the receipt's block, which the gateway reads for consumedAt only once it holds the receipt. It is
      // killed there, before it derives, encrypts, writes the `released` receipt or answers.
      proxy.onRequest(async (rpc: RpcRequest) => {
        if (killed || mined === undefined) return;
        const blockNumber = mined.blockNumber;
        const forReceiptBlock = rpc.calls.some(
          (c) => c.method === "eth_getBlockByNumber" && Array.isArray(c.params) && c.params[0] === blockNumber,
        );
        if (!forReceiptBlock) return;
        killed = true;
        await gw.stop("SIGKILL");
      }),
    );
    await lostAnswer(gw, runner);
    expect(killed, "the gateway must have been killed after it read the receipt").to.equal(true);
    await redeliverAfterRestart(runner, mined!.transactionHash, sends);
  });

  it("reopens the ledger its config names beside the config, not one in whatever directory it was started from", async () => {
    const other = await mkdtemp(path.join(tmpdir(), "swarm-crash-ledger-"));
    const name = `ledger-${randomBytes(6).toString("hex")}.ndjson`;
    try {
      const file = await writeDevGatewayConfig(stack, other, { rpcUrl: proxy.url });
      await setLedgerPath(file, name);
      const gw = await start(file);
      await gw.stop("SIGTERM");
      // Beside policy.json and the keys, which are resolved against the config's folder: a restart from another
      // working directory would otherwise open an empty ledger and lose the receipt chain.
      expect(existsSync(path.join(other, name)), `expected ${name} in the config's folder`).to.equal(true);
    } finally {
      await rm(path.join(GATEWAY_CWD, name), { force: true }); // where a gateway that got it wrong would put it
      await rm(other, { recursive: true, force: true });
    }
  });
});
