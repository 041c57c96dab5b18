import { readFileSync, readdirSync } from "node:fs";

/** Clock ticks per second of /proc times (USER_HZ; 100 on Linux everywhere that matters). */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) of each watched process and of the whole machine, at one instant. */
export interface CpuSnapshot {
  at: number;
  /** All cores' busy time (everything but idle and iowait), seconds. */
  machineBusy: number;
  machineTotal: number;
  byRole: Record<string, number>;
}

/** Where the machine's CPU went between two snapshots: shares of all cores, and seconds per role. */
export interface CpuShares {
  /** Busy share of the whole machine (all cores), 0..1. */
  machineBusy: number;
  /** Each role's CPU seconds over the interval divided by its wall seconds: 1.0 = one core fully used. */
  cores: Record<string, number>;
  /** Busy time of processes the bench did not start (other work on the machine), in cores. */
  otherCores: number;
}

function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command (which may hold spaces) start after the last ')'; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN; // gone
  }
}

function machineSeconds(): { busy: number; total: number } {
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
}

/** The pids of this process's direct children whose command line contains every one of `words`. */
export function childPidsMatching(words: readonly string[]): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== process.pid) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
      if (words.every((w) => cmdline.includes(w))) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** Reads the CPU time of each role's process (`self` for this one) and of the whole machine. */
export function cpuSnapshot(pids: Record<string, number>): CpuSnapshot {
  const machine = machineSeconds();
  const byRole: Record<string, number> = {};
  for (const [role, pid] of Object.entries(pids)) byRole[role] = processCpuSeconds(pid);
  return { at: performance.now(), machineBusy: machine.busy, machineTotal: machine.total, byRole };
}

/** The CPU shares between two snapshots of the same roles. */
export function cpuShares(from: CpuSnapshot, to: CpuSnapshot): CpuShares {
  const wall = (to.at - from.at) / 1000;
  const cores: Record<string, number> = {};
  let ours = 0;
  for (const role of Object.keys(to.byRole)) {
    const used = to.byRole[role]! - from.byRole[role]!;
    cores[role] = used / wall;
    if (Number.isFinite(used)) ours += used;
  }
  const busy = to.machineBusy - from.machineBusy;
  return {
    machineBusy: busy / (to.machineTotal - from.machineTotal),
    cores,
    otherCores: Math.max(0, busy - ours) / wall,
  };
}
