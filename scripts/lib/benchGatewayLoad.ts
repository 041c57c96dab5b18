import { fork } from "node:child_process";
import path from "node:path";

import type { BenchCleanup } from "./benchGatewayCleanup";
import { type CpuShares, type CpuSnapshot, cpuShares, cpuSnapshot } from "./benchGatewayCpu";
import type { DriverMessage, DriverResult, DriverStart } from "./benchGatewayProtocol";
import { note, readProcessMemory } from "./benchGatewayStats";

/** The gateway's memory at one moment of the load: RSS from /proc, V8 heap in use from its /metrics. */
export interface MemoryPoint {
  completed: number;
  rssMb: number;
  heapUsedMb: number | null;
}

/** The driver's figures and the gateway's memory around the measured window. */
export interface LoadResult {
  driver: DriverResult;
  /** When the warm-up-th release completed, and when the last measured one did. */
  afterWarmup: MemoryPoint | undefined;
  afterMeasured: MemoryPoint | undefined;
  /** The gateway's VmHWM at the end of the load (its peak RSS over its whole life so far). */
  peakRssMb: number;
  /** Memory every ~2,000 releases, to tell a plateau from a leak. */
  trajectory: MemoryPoint[];
  /** Where the machine's CPU went during the measured window (undefined if the window was never reached). */
  cpu: CpuShares | undefined;
}

/** `swarm_gateway_nodejs_heap_size_used_bytes` from the gateway's Prometheus endpoint, in MB; null if unreadable. */
async function heapUsedMb(url: string): Promise<number | null> {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    const match = /^swarm_gateway_nodejs_heap_size_used_bytes (\d+(?:\.\d+)?)/m.exec(text);
    return match ? Number(match[1]) / 2 ** 20 : null;
  } catch {
    return null;
  }
}

/**
 * Forks the load driver, hands it the work file, and samples the gateway's memory and everyone's CPU at the
 * moments the driver reports: warm-up done, measured window done. Rejects if the driver fails, exits early,
 * or takes longer than `timeoutMs`.
 */
export function runLoad(o: {
  gatewayPid: number;
  /** Processes whose CPU time is accounted over the window, by role (the driver is added here). */
  pids: Record<string, number>;
  start: Omit<DriverStart, "type">;
  cleanup: BenchCleanup;
  timeoutMs: number;
}): Promise<LoadResult> {
  const child = fork(path.join(__dirname, "benchGatewayDriver.ts"), [], {
    execArgv: ["-r", require.resolve("ts-node/register/transpile-only")],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  o.cleanup.track(child);
  o.cleanup.add("the load driver", async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  });
  const pids = { ...o.pids, driver: child.pid! };
  const trajectory: MemoryPoint[] = [];
  const pending: Promise<unknown>[] = [];
  /** RSS now (synchronously, at the exact moment), heap a moment later over HTTP. */
  const sample = (completed: number): Promise<MemoryPoint> => {
    const rssMb = readProcessMemory(o.gatewayPid).rssMb;
    const point = heapUsedMb(o.start.url).then((heap) => ({ completed, rssMb, heapUsedMb: heap }));
    pending.push(point);
    return point;
  };
  let cpuAtWarm: CpuSnapshot | undefined;
  let cpu: CpuShares | undefined;
  let afterWarmup: Promise<MemoryPoint> | undefined;
  let afterMeasured: Promise<MemoryPoint> | undefined;
  let nextPoint = 0;

  return new Promise<LoadResult>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      child.kill("SIGTERM");
      reject(new Error(`the load did not finish within ${o.timeoutMs / 1000} s`));
    }, o.timeoutMs);
    /** The first outcome wins: the driver exits right after it reports `done`. */
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      action();
    };
    child.on("message", (message: DriverMessage) => {
      switch (message.type) {
        case "ready":
          note(`driver loaded ${message.items} releases for ${message.runners} runners; load started`);
          break;
        case "warm":
          cpuAtWarm = cpuSnapshot(pids);
          afterWarmup = sample(o.start.warmup);
          note("warm-up done; measuring");
          break;
        case "measured":
          if (cpuAtWarm) cpu = cpuShares(cpuAtWarm, cpuSnapshot(pids));
          afterMeasured = sample(o.start.warmup + o.start.measured);
          note("measured window done; cooling down");
          break;
        case "progress":
          if (message.completed >= nextPoint) {
            nextPoint = message.completed + 2_000;
            void sample(message.completed).then((p) => trajectory.push(p));
            note(`${message.completed} releases answered, ${message.failed} failed`);
          }
          break;
        case "done":
          settle(() => {
            const peakRssMb = readProcessMemory(o.gatewayPid).peakRssMb;
            const { result } = message;
            void Promise.all(pending)
              .then(async () => ({ warm: await afterWarmup, measured: await afterMeasured }))
              .then(({ warm, measured }) =>
                resolve({
                  driver: result,
                  afterWarmup: warm,
                  afterMeasured: measured,
                  peakRssMb,
                  trajectory: trajectory.sort((a, b) => a.completed - b.completed),
                  cpu,
                }),
              );
          });
          break;
        case "error":
          settle(() => reject(new Error(`load driver: ${message.message}`)));
          break;
      }
    });
    child.once("exit", (code, signal) =>
      settle(() => reject(new Error(`the load driver exited (${signal ?? code}) before reporting`))),
    );
    child.send({ type: "start", ...o.start } satisfies DriverStart);
  });
}
