import { readFileSync } from "node:fs";

/** The nearest-rank percentile `p` (0 < p ≤ 100) of `values`; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** `value` rounded to `digits` decimals (for printing and JSON). */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A process's memory from `/proc/<pid>/status`: resident set now and its high-water mark, in MB (MiB). */
export interface ProcessMemory {
  rssMb: number;
  peakRssMb: number;
}

/** Reads VmRSS and VmHWM of `pid` (Linux only); throws if the process is gone. */
export function readProcessMemory(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(status);
    if (!match) throw new Error(`expected ${name} in /proc/${pid}/status`);
    return Number(match[1]);
  };
  return { rssMb: kb("VmRSS") / 1024, peakRssMb: kb("VmHWM") / 1024 };
}

/** Progress and phase lines go to stderr, so stdout holds only the report (and the JSON line). */
export function note(message: string): void {
  process.stderr.write(`bench:gateway: ${message}\n`);
}
