import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");

/**
 * How the gateway's Node.js runs, exactly as `npm run gateway` starts it (package.json; a test holds the two
 * equal). A bounded old space makes V8 collect the per-request garbage instead of letting the heap grow towards
 * its default limit (a quarter of the machine's memory): the live set is about 70 MB at 128 requests in flight,
 * and without the bound RSS climbs by 100 MB and more over 20,000 releases before it settles. Two malloc arenas
 * keep the threads' native allocations from spreading over many arenas. docs/OPERATIONS.md, "Memory".
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ["--max-old-space-size=256"];
/** The environment `npm run gateway` adds for the gateway's process. */
export const GATEWAY_NODE_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: "2" };

/** A gateway running as its own process, the way `npm run gateway` starts it. */
export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM (clean shutdown) or SIGKILL (a crash); resolves when the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `gateway/src/main.ts` with `SWARM_GATEWAY_CONFIG=config` and resolves once it logs its URL. */
export async function startGatewayProcess(config: string, timeoutMs = 60_000): Promise<GatewayProcess> {
  const child = spawn(
    process.execPath,
    [
      ...GATEWAY_NODE_FLAGS,
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
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL"); // never leave a half-started gateway behind
      reject(new Error(`gateway did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      output += d.toString();
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    child,
    output: () => output,
    stop: (signal = "SIGTERM") =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill(signal);
      }),
  };
}
