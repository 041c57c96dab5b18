/** A CLI runtime for tests: captured streams, a fixed clock, an injected env and cwd; no process state read. */
import type { CliRuntime } from "../../../client/src/cli/context";
import { runCli } from "../../../client/src/cli/program";

/** What one in-process CLI run printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with `env` and `cwd` (default: an empty env, the given cwd). */
export async function runInProcess(
  argv: string[],
  options: { env?: Record<string, string>; cwd: string; fetch?: typeof fetch },
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const runtime: CliRuntime = {
    env: options.env ?? {},
    cwd: options.cwd,
    streams: { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) },
    fetch: options.fetch ?? (() => Promise.reject(new Error("no network in this test"))),
    clock: () => new Date("2026-01-01T00:00:00Z"),
    sleep: async () => undefined,
  };
  const code = await runCli(argv, runtime);
  return { code, stdout, stderr };
}
