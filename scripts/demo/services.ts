import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { type GatewayClient, createGatewayClient } from "../../client/src/gateway/client";
import { writeDevGatewayConfig } from "../../devnet/gatewayConfig";
import { type GatewayProcess, startGatewayProcess } from "../../devnet/gatewayProcess";
import { runHardhat } from "../../devnet/hardhatNode";
import { type DevSigstore, startDevSigstore } from "../../devnet/sigstore";
import { type DevStack, startDevStack } from "../../devnet/stack";
import { type DevTsa, startDevTsa } from "../../devnet/tsa";
import type { Cleanup } from "./cleanup";
import { type OutputLayout, shownPath } from "./outputDir";
import type { Story } from "./story";
import type { DemoSummary } from "./summary";

/** Everything the demo runs against, each registered for teardown. */
export interface DemoServices {
  readonly stack: DevStack;
  readonly sigstore: DevSigstore;
  readonly gateway: GatewayProcess;
  readonly gatewayClient: GatewayClient;
  /** The gateway's folder: its config, keys, ledger and anchor records (a temporary folder). */
  readonly gatewayDir: string;
  /** The local RFC 3161 timestamp authority the bundle's timestamp comes from. */
  readonly tsa: DevTsa;
  /** The step commands' scratch folder (plaintext lives there only while a step runs). */
  readonly workDir: string;
  /** Stops the gateway (if still running) and copies its ledger and log into the output folder. */
  stopGateway(): Promise<void>;
}

/** Runs `work`, returning its value and how long it took in milliseconds. */
export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

/** A temporary folder, removed at teardown. */
async function tempDir(cleanup: Cleanup, summary: DemoSummary, prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  cleanup.add(`temporary folder ${dir}`, () => rm(dir, { recursive: true, force: true }));
  summary.tempDirs.push(dir);
  return dir;
}

/** Whether nothing listens on the URL's port any more. */
async function portClosed(url: string): Promise<boolean> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port: Number(port) });
    socket.once("connect", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(true));
  });
}

/** How often the gateway anchors its ledger root in EvidenceAnchor (explicit dev configuration; 1 s is the least). */
export const DEMO_ANCHOR_INTERVAL_SECONDS = 1;

/** Waits `ms` milliseconds. */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Stops the Hardhat node. `HardhatNode.stop()` waits for an exit event when the child has no exit code, which
 * never comes for a child already ended by a signal (a terminal's Ctrl-C reaches the whole process group): a node
 * whose port is already closed is left alone, and one whose port closes while stopping gets a short grace.
 */
async function stopNode(stack: DevStack): Promise<void> {
  const url = stack.node.url;
  if (await portClosed(url)) return;
  const stopped = stack.node.stop();
  const closed = (async () => {
    while (!(await portClosed(url))) await sleep(100);
    await Promise.race([stopped, sleep(1_000)]);
  })();
  await Promise.race([stopped, closed]);
}

/** Compiles the contracts (a no-op when the artifacts are current): `npm ci` leaves none. */
async function compileContracts(): Promise<void> {
  const { code, stdout, stderr } = await runHardhat(["compile", "--quiet"], {});
  if (code !== 0) throw new Error(`hardhat compile failed (exit ${code}):\n${stdout}${stderr}`);
}

/**
 * Starts the chain (contracts deployed), the OIDC issuer, the Sigstore servers and the gateway process, in that
 * order, registering each one's stop with `cleanup` as soon as it runs.
 */
export async function startServices(
  cleanup: Cleanup,
  story: Story,
  out: OutputLayout,
  summary: DemoSummary,
): Promise<DemoServices> {
  story.section("setup: everything on 127.0.0.1, nothing from the network");
  const compiled = await timed(compileContracts);
  story.say("build", "contracts compiled (solc 0.8.30 from npm, no download)", { ms: compiled.ms });

  const started = await timed(() => startDevStack());
  const stack = started.value;
  // Not `stack.stop()`: it waits forever for a node that a terminal's Ctrl-C has already ended (see stopNode).
  cleanup.add("Hardhat node", () => stopNode(stack));
  cleanup.add("OIDC issuer", () => stack.issuer.stop());
  summary.services.rpc = stack.node.url;
  summary.services.oidc = stack.issuer.url;
  story.say("chain", `Hardhat node ${stack.node.url} (chain ${stack.chain.id})`, { ms: started.ms });
  story.detail(`SwarmMarket deployed at ${stack.market} (block ${stack.deployBlock})`);
  story.say("oidc", `development issuer ${stack.issuer.url} (GitHub's token protocol and claims)`);

  const sigstore = await startDevSigstore({ oidc: { issuer: stack.issuer.issuer, jwksUri: stack.issuer.jwksUri } });
  cleanup.add("development Sigstore", () => sigstore.stop());
  summary.services.sigstore = sigstore.url;
  await writeFile(out.trustedRoot, `${JSON.stringify(sigstore.trustedRoot, null, 2)}\n`);
  story.say("sigstore", `development Fulcio, Rekor and TSA ${sigstore.url}`);
  story.detail(`their trusted root (pinned by every verifier below): ${shownPath(out.trustedRoot)}`);

  const configDir = await tempDir(cleanup, summary, "swarm-demo-gateway-");
  const workDir = await tempDir(cleanup, summary, "swarm-demo-work-");
  const config = await writeDevGatewayConfig(stack, configDir, { anchorIntervalSeconds: DEMO_ANCHOR_INTERVAL_SECONDS });
  const launched = await timed(() => startGatewayProcess(config));
  const gateway = launched.value;
  summary.services.gateway = gateway.url;
  let copied = false;
  const stopGateway = async () => {
    await gateway.stop("SIGTERM");
    if (copied) return;
    copied = true;
    await writeFile(out.gatewayLog, gateway.output());
    await copyFile(path.join(configDir, "receipts.ndjson"), out.receipts).catch(() => undefined);
    await copyFile(path.join(configDir, "anchors.ndjson"), out.anchors).catch(() => undefined);
  };
  cleanup.add("gateway process", stopGateway);
  story.say("gateway", `capability gateway ${gateway.url} (its own process, pid ${gateway.child.pid})`, {
    ms: launched.ms,
  });
  story.detail(`signs as ${stack.gateway}; fresh Ed25519 keys and master secret in a temporary folder`);
  story.detail(
    `anchors its ledger root in EvidenceAnchor ${stack.anchor} every ${DEMO_ANCHOR_INTERVAL_SECONDS} s when it grew`,
  );

  const tsa = await startDevTsa();
  cleanup.add("timestamp authority", () => tsa.stop());
  summary.services.tsa = tsa.url;
  story.say("tsa", `development RFC 3161 timestamp authority ${tsa.url} (its chain pinned explicitly)`);

  const gatewayClient = createGatewayClient(gateway.url, fetch);
  await writeFile(out.gatewayKeys, `${JSON.stringify(await gatewayClient.describe(), null, 2)}\n`);
  return { stack, sigstore, gateway, gatewayClient, gatewayDir: configDir, tsa, workDir, stopGateway };
}
