/**
 * Measures the capability gateway under load: a Hardhat node, the development OIDC issuer and the gateway as its
 * own process (`gateway/src/main.ts` with a development config), driven by a separate load-driver process with
 * many runners in flight, each releasing fresh entitlement steps with fresh tokens and real signatures.
 * Then, in this process: the gateway's own time per release with the chain stubbed out, and the raw crypto floor.
 *
 *   npm run bench:gateway                                  # report
 *   npm run bench:gateway -- --json                        # report, then one JSON line
 *   npm run bench:gateway -- --requests 5000 --concurrency 64 --cpu-prof /tmp/prof
 */
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { startDevStack } from "../devnet/stack";
import { parseBenchGatewayArgs } from "./lib/benchGatewayArgs";
import { BenchCleanup } from "./lib/benchGatewayCleanup";
import { childPidsMatching } from "./lib/benchGatewayCpu";
import { measureFloor } from "./lib/benchGatewayFloor";
import { runLoad } from "./lib/benchGatewayLoad";
import { measureOverhead } from "./lib/benchGatewayOverhead";
import { startBenchGateway, writeBenchGatewayConfig } from "./lib/benchGatewayProcess";
import { type BenchReport, printReport } from "./lib/benchGatewayReport";
import { note } from "./lib/benchGatewayStats";
import { buyEntitlements, planWork, writeWorkFile } from "./lib/benchGatewayWork";

/** The whole load must finish well inside the bench's 10-minute budget. */
const LOAD_TIMEOUT_MS = 7 * 60_000;

async function main(cleanup: BenchCleanup): Promise<boolean> {
  const options = parseBenchGatewayArgs(process.argv.slice(2), process.env);
  const started = performance.now();
  note("starting the Hardhat node, the development issuer and the market");
  const stack = await startDevStack();
  cleanup.add("the dev stack", () => stack.stop());
  const dir = await mkdtemp(path.join(tmpdir(), "swarm-bench-gateway-"));
  cleanup.add("the bench folder", () => rm(dir, { recursive: true, force: true }));

  const plan = planWork(options);
  note(`buying entitlements for ${plan.runners} runners × ${plan.stepsPerRunner} steps`);
  const entitlements = await buyEntitlements(stack, plan);
  const workFile = path.join(dir, "work.ndjson");
  const deadline = BigInt(Math.floor(Date.now() / 1000) + 3 * 3_600);
  await writeWorkFile(stack, workFile, plan, entitlements, options.sampleEvery, deadline);

  const config = await writeBenchGatewayConfig(stack, dir);
  const cpuProfDir = options.cpuProfDir === undefined ? undefined : path.resolve(options.cpuProfDir);
  if (cpuProfDir !== undefined) await mkdir(cpuProfDir, { recursive: true });
  const gateway = await startBenchGateway(config.file, {
    cpuProfDir,
    onSpawn: (child) => cleanup.track(child),
  });
  cleanup.add("the gateway", () => gateway.stop());
  note(`gateway listening at ${gateway.url} (pid ${gateway.pid})`);

  const node = childPidsMatching(["hardhat", " node "])[0];
  const load = await runLoad({
    gatewayPid: gateway.pid,
    pids: { gateway: gateway.pid, ...(node === undefined ? {} : { node }), main: process.pid },
    start: { url: gateway.url, workFile, warmup: options.warmup, measured: options.requests },
    cleanup,
    timeoutMs: LOAD_TIMEOUT_MS,
  }).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}\n--- gateway output (tail) ---\n${gateway.tail()}`);
  });
  const exitCode = await gateway.stop();
  if (exitCode !== 0) note(`the gateway exited with ${exitCode}:\n${gateway.tail()}`);
  const receipts = (await readFile(config.ledger, "utf8")).split("\n").length - 1;

  note(`measuring the gateway's own time over ${options.overheadRequests} in-process releases (chain stubbed)`);
  const overhead = await measureOverhead(stack, dir, options.overheadRequests);
  note(`measuring the raw floor over ${options.floorIterations} iterations`);
  const floor = await measureFloor(stack, options.floorIterations);

  const report: BenchReport = {
    options,
    plan,
    load,
    receipts,
    overhead,
    floor,
    seconds: (performance.now() - started) / 1000,
  };
  printReport(report);
  // One receipt per decision: each release, and each 503 the driver asked again after (an `error` receipt).
  const retried = Object.values(load.driver.retries).reduce((a, b) => a + b, 0);
  const problems = [
    ...(Object.keys(load.driver.failures).length > 0 ? ["some releases failed (see failures above)"] : []),
    ...(receipts !== load.driver.released + retried
      ? [`expected ${load.driver.released + retried} receipts in the ledger, found ${receipts}`]
      : []),
  ];
  for (const problem of problems) note(`FAILED: ${problem}`);
  return problems.length === 0;
}

const cleanup = new BenchCleanup();
cleanup.installSignalHandlers();
main(cleanup)
  .then(async (ok) => {
    await cleanup.run();
    process.exit(ok ? 0 : 1);
  })
  .catch(async (err: unknown) => {
    console.error(`bench:gateway: ${err instanceof Error ? err.message : String(err)}`);
    await cleanup.run();
    process.exit(1);
  });
