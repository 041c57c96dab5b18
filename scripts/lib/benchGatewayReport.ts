import { cpus } from "node:os";

import type { BenchGatewayOptions } from "./benchGatewayArgs";
import type { FloorResult } from "./benchGatewayFloor";
import type { LoadResult } from "./benchGatewayLoad";
import type { OverheadResult } from "./benchGatewayOverhead";
import { round } from "./benchGatewayStats";
import type { WorkPlan } from "./benchGatewayWork";

/** Everything one bench run measured. */
export interface BenchReport {
  options: BenchGatewayOptions;
  plan: WorkPlan;
  load: LoadResult;
  /** Lines in the gateway's ledger after it stopped: one receipt per decision. */
  receipts: number;
  overhead: OverheadResult;
  floor: FloorResult;
  seconds: number;
}

/** Other processes' CPU during the window above which the report says the machine was not idle. */
const OTHER_LOAD_WARNING_CORES = 0.2;
/** Targets from the gateway issue, for this 2-core machine. */
const TARGETS = { releasesPerSec: 300, overheadP99Ms: 10, rssGrowthMb: 50 } as const;

/** The figures as one flat JSON object; the first five keys are the ones CI reads. */
export function reportJson(r: BenchReport) {
  const d = r.load.driver;
  const warm = r.load.afterWarmup;
  const end = r.load.afterMeasured;
  return {
    releasesPerSec: d.windowMs === null ? null : round((d.measuredInWindow / d.windowMs) * 1000, 1),
    overheadP50Ms: round(r.overhead.p50Ms),
    overheadP99Ms: round(r.overhead.p99Ms),
    floorOpsPerSec: round(r.floor.opsPerSec, 1),
    rssGrowthMb: warm && end ? round(end.rssMb - warm.rssMb, 1) : null,
    peakRssMb: round(r.load.peakRssMb, 1),
    rssAfterWarmupMb: warm ? round(warm.rssMb, 1) : null,
    rssAfterMeasuredMb: end ? round(end.rssMb, 1) : null,
    heapUsedAfterWarmupMb: warm?.heapUsedMb == null ? null : round(warm.heapUsedMb, 1),
    heapUsedAfterMeasuredMb: end?.heapUsedMb == null ? null : round(end.heapUsedMb, 1),
    memoryTrajectory: r.load.trajectory.map((p) => [
      p.completed,
      round(p.rssMb, 1),
      p.heapUsedMb === null ? null : round(p.heapUsedMb, 1),
    ]),
    requests: d.measuredInWindow,
    concurrency: r.options.concurrency,
    warmup: r.options.warmup,
    released: d.released,
    receipts: r.receipts,
    failures: d.failures,
    failureMessages: d.failureMessages,
    retries: d.retries,
    redeliveries: d.redeliveries,
    consumeTransactions: d.consumeTransactions,
    meanBatchSize: d.consumeTransactions === 0 ? null : round(d.released / d.consumeTransactions, 1),
    samplesDecrypted: d.samplesDecrypted,
    windowSeconds: d.windowMs === null ? null : round(d.windowMs / 1000),
    e2eP50Ms: d.e2eP50Ms === null ? null : round(d.e2eP50Ms),
    e2eP99Ms: d.e2eP99Ms === null ? null : round(d.e2eP99Ms),
    driverCpuMsPerRelease: round(d.driverCpuMs / Math.max(1, d.completed), 3),
    gatewayCpuMsPerRelease: cpuPerRelease(r, "gateway"),
    nodeCpuMsPerRelease: cpuPerRelease(r, "node"),
    cpuCores: r.load.cpu === undefined ? null : roundAll({ ...r.load.cpu.cores, other: r.load.cpu.otherCores }),
    machineCores: cpus().length,
    machineBusy: r.load.cpu === undefined ? null : round(r.load.cpu.machineBusy),
    overheadRequests: r.overhead.requests,
    overheadMeanMs: round(r.overhead.meanMs),
    overheadCpuMsPerRequest: round(r.overhead.cpuMsPerRequest),
    overheadCpuP50Ms: round(r.overhead.cpuP50Ms),
    overheadCpuP99Ms: round(r.overhead.cpuP99Ms),
    floorVerifyMs: round(r.floor.verifyMs, 3),
    floorRecoverMs: round(r.floor.recoverMs, 3),
    floorEncryptMs: round(r.floor.encryptMs, 3),
    seconds: round(r.seconds, 1),
  };
}

/** CPU milliseconds a role's process spent per release in the measured window. */
function cpuPerRelease(r: BenchReport, role: string): number | null {
  const cores = r.load.cpu?.cores[role];
  const d = r.load.driver;
  if (cores === undefined || d.windowMs === null || d.measuredInWindow === 0) return null;
  return finite(round((cores * d.windowMs) / d.measuredInWindow, 3));
}

function roundAll(values: Record<string, number>): Record<string, number | null> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, finite(round(v))]));
}

/** null for NaN (a figure the run never reached): JSON has no NaN. */
function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

function verdict(ok: boolean): string {
  return ok ? "ok" : "MISSED";
}

/** Whether `value` was measured and meets `test`. */
function meets(value: number | null, test: (v: number) => boolean): string {
  return verdict(value !== null && test(value));
}

/** Prints the report to stdout; with `--json`, the JSON object follows as the last line. */
export function printReport(r: BenchReport): void {
  const j = reportJson(r);
  const counts = (c: Record<string, number>) =>
    Object.keys(c).length === 0
      ? "none"
      : Object.entries(c)
          .map(([code, n]) => `${code}×${n}`)
          .join(", ");
  const lines = [
    "",
    `gateway bench: ${j.requests} measured releases after ${j.warmup} warm-up, ${j.concurrency} runners in flight`,
    "",
    "  load (gateway process, Hardhat node, separate driver process)",
    `    sustained releases/s (with durable receipt)   ${j.releasesPerSec}   target ≥ ${TARGETS.releasesPerSec}: ${meets(j.releasesPerSec, (v) => v >= TARGETS.releasesPerSec)}`,
    `    client latency p50 / p99 (incl. chain)        ${j.e2eP50Ms} ms / ${j.e2eP99Ms} ms`,
    `    gateway RSS after warm-up / after measured    ${j.rssAfterWarmupMb} MB / ${j.rssAfterMeasuredMb} MB`,
    `    gateway RSS growth over the measured window   ${j.rssGrowthMb} MB   target < ${TARGETS.rssGrowthMb}: ${meets(j.rssGrowthMb, (v) => v < TARGETS.rssGrowthMb)}`,
    `    gateway V8 heap used after warm-up / measured ${j.heapUsedAfterWarmupMb} MB / ${j.heapUsedAfterMeasuredMb} MB`,
    `    gateway peak RSS (VmHWM)                      ${j.peakRssMb} MB`,
    `    [releases, RSS MB, heap MB] every ~2,000      ${j.memoryTrajectory.map((p) => `[${p.join(", ")}]`).join(" ")}`,
    `    released / JWEs decrypted                     ${j.released} / ${j.samplesDecrypted}`,
    `    receipts in the ledger (releases + 503s)      ${j.receipts}`,
    `    failures                                      ${counts(j.failures)}`,
    ...j.failureMessages.map((m) => `      ${m}`),
    `    503s asked again (fresh token) / redeliveries ${counts(j.retries)} / ${j.redeliveries}`,
    `    CPU in the window, in cores (of ${cpus().length})            ${
      j.cpuCores === null
        ? "n/a"
        : Object.entries(j.cpuCores)
            .map(([k, v]) => `${k} ${v}`)
            .join(", ")
    }`,
    `    gateway / node CPU per release                ${j.gatewayCpuMsPerRelease} ms / ${j.nodeCpuMsPerRelease} ms`,
    `    consume transactions / mean batch             ${j.consumeTransactions} / ${j.meanBatchSize} releases`,
    "",
    "  gateway's own time per release (in-process, chain reader and consumer stubbed: test doubles; sequential)",
    `    p50 / p99                                     ${j.overheadP50Ms} ms / ${j.overheadP99Ms} ms   target p99 ≤ ${TARGETS.overheadP99Ms}: ${verdict(j.overheadP99Ms <= TARGETS.overheadP99Ms)}`,
    `    CPU time per release p50 / p99                ${j.overheadCpuP50Ms} ms / ${j.overheadCpuP99Ms} ms   (immune to other processes)`,
    `    mean wall / CPU per release                   ${j.overheadMeanMs} ms / ${j.overheadCpuMsPerRequest} ms   (${j.overheadRequests} releases)`,
    "",
    "  raw floor (RS256 verify + permit recovery + caps JWE, one core, sequential)",
    `    ops/s                                         ${j.floorOpsPerSec}`,
    `    verify / recover / encrypt                    ${j.floorVerifyMs} ms / ${j.floorRecoverMs} ms / ${j.floorEncryptMs} ms`,
    "",
    `  whole bench: ${j.seconds} s`,
  ];
  const other = r.load.cpu?.otherCores ?? 0;
  if (other > OTHER_LOAD_WARNING_CORES) {
    lines.push(
      `  WARNING: processes the bench did not start used ${round(other)} cores during the measured window:`,
      "  the load figures are lower bounds for this machine; rerun on an idle machine.",
    );
  }
  console.log(lines.join("\n"));
  if (r.options.json) console.log(JSON.stringify(j));
}
