import { type ChildProcess, spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import type { GatewayConfig } from "../../gateway/src/config";
import { writeDevGatewayConfig } from "../../devnet/gatewayConfig";
import { GATEWAY_NODE_ENV, GATEWAY_NODE_FLAGS } from "../../devnet/gatewayProcess";
import type { DevStack } from "../../devnet/stack";

const ROOT = path.resolve(__dirname, "../..");
/** Output kept for error messages (request log lines left out): only the tail. */
const TAIL_BYTES = 16 * 1024;

/** The gateway under test, as its own process (`gateway/src/main.ts`, the way `npm run gateway` starts it). */
export interface BenchGatewayProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** The last lines the process wrote. */
  tail(): string;
  /** SIGTERM (clean shutdown: batches drained, ledger closed); resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Writes the development gateway config into `dir` with rate limits far above anything the driver sends
 * (every request comes from 127.0.0.1 and one OIDC subject), and the ledger in `dir` as an absolute path:
 * the gateway opens `ledgerPath` as given, relative to its working directory, not to the config file.
 */
export async function writeBenchGatewayConfig(stack: DevStack, dir: string): Promise<{ file: string; ledger: string }> {
  const file = await writeDevGatewayConfig(stack, dir, { rateLimitPerSecond: 1_000_000 });
  const ledger = path.join(dir, "receipts.ndjson");
  const config = JSON.parse(await readFile(file, "utf8")) as GatewayConfig;
  await writeFile(file, `${JSON.stringify({ ...config, ledgerPath: ledger }, null, 2)}\n`);
  return { file, ledger };
}

/**
 * Starts the gateway as `npm run gateway` does (its Node.js flags and environment) with `SWARM_GATEWAY_CONFIG=config`
 * (optionally under `--cpu-prof`); resolves once it listens.
 */
export async function startBenchGateway(
  config: string,
  options: { cpuProfDir?: string | undefined; onSpawn?: (child: ChildProcess) => void; timeoutMs?: number } = {},
): Promise<BenchGatewayProcess> {
  const profile = options.cpuProfDir === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", options.cpuProfDir];
  const child = spawn(
    process.execPath,
    [
      ...GATEWAY_NODE_FLAGS,
      ...profile,
      require.resolve("ts-node/dist/bin.js"),
      "--transpile-only",
      path.join(ROOT, "gateway/src/main.ts"),
    ],
    {
      cwd: ROOT,
      env: { ...process.env, ...GATEWAY_NODE_ENV, SWARM_GATEWAY_CONFIG: config },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  options.onSpawn?.(child);
  let output = "";
  // Keep every line but the per-request access log, which would drown what matters in an error message.
  const keeper = () => {
    let partial = "";
    return (d: Buffer) => {
      const lines = (partial + d.toString()).split("\n");
      partial = lines.pop()!;
      const kept = lines.filter((l) => !l.includes('"msg":"request"'));
      if (kept.length > 0) output = (output + kept.join("\n") + "\n").slice(-TAIL_BYTES);
    };
  };
  child.stdout!.on("data", keeper());
  child.stderr!.on("data", keeper());
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const timeoutMs = options.timeoutMs ?? 60_000;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`gateway did not start within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = () => {
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      resolve(match[1]!);
    };
    child.stdout!.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    pid: child.pid!,
    child,
    tail: () => output,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}
