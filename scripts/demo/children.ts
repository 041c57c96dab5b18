import { readFileSync, readdirSync } from "node:fs";

/**
 * The ids of the live direct children of `parent`, read from /proc (Linux). Elsewhere, or when /proc cannot be
 * read, the list is empty: this is a safety net behind the orderly stops, never the only way down.
 */
export function childPids(parent: number = process.pid): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const entry of entries) {
    if (!/^[0-9]+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const state = fields[0];
    if (Number(fields[1]) === parent && state !== "Z") children.push(Number(entry));
  }
  return children;
}

/**
 * Sends `signal` to each live direct child of this process, by id: only processes this process started. Returns
 * the ids signalled.
 */
export function signalChildren(signal: NodeJS.Signals): number[] {
  const signalled: number[] = [];
  for (const pid of childPids()) {
    try {
      process.kill(pid, signal);
      signalled.push(pid);
    } catch {
      // ESRCH: it exited meanwhile.
    }
  }
  return signalled;
}
