/** Spawns `node client/bin/swarm.js …` as a user would, with exactly the environment given (plus PATH). */
import { spawn } from "node:child_process";
import path from "node:path";

import type { CliRun } from "./runtime";

const BIN = path.join(__dirname, "..", "..", "..", "client", "bin", "swarm.js");

/** Runs the CLI in a child process; resolves with its exit code and output (never rejects on a non-zero exit). */
export function spawnCli(
  args: readonly string[],
  options: { env: Record<string, string>; cwd: string },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? "", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** The one JSON document a `--json` run printed on stdout. */
export function jsonOf<T = Record<string, unknown>>(run: CliRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`expected one JSON document on stdout, got:\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}
