import { spawn } from "node:child_process";
import { lstat, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";

import { ProtocolError } from "../protocol/errors";
import { RunnerErrorCode, runnerFail } from "./errors";

/** The step's command: an argv array run without a shell, with exactly the environment given (plus SWARM_*). */
export interface StepCommand {
  readonly argv: readonly [string, ...string[]];
  /** The command's environment; nothing is inherited that is not listed here. */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory; default the step's private temporary folder. */
  readonly cwd?: string;
  /**
   * Where the command's stdout/stderr go; default inherited. "stderr" sends both to the runner's stderr (keeps the
   * runner's stdout for its own result, e.g. `swarm … --json`). stdin is always closed.
   */
  readonly stdio?: "inherit" | "ignore" | "stderr";
}

/** Environment variables a step command is given. */
export const StepEnv = {
  /** Path of the decrypted input state (read it). */
  STATE_IN: "SWARM_STATE_IN",
  /** Path the new state must be written to. */
  STATE_OUT: "SWARM_STATE_OUT",
  /** Path the result (UTF-8 JSON) must be written to. */
  RESULT_OUT: "SWARM_RESULT_OUT",
  /** Path the next tokens (UTF-8 JSON) must be written to. */
  NEXT_TOKENS_OUT: "SWARM_NEXT_TOKENS_OUT",
  /** The step's netCap (compact JWS): the bearer token the egress proxy admits. */
  NETCAP: "SWARM_NETCAP",
  ENTITLEMENT_ID: "SWARM_ENTITLEMENT_ID",
  STEP: "SWARM_STEP",
  FROM_STEP: "SWARM_FROM_STEP",
} as const;

/** The plaintext outputs of a step command. */
export interface StepOutputs {
  readonly state: Uint8Array;
  readonly result: Uint8Array;
  readonly nextTokens: Uint8Array;
}

/** What running a step command needs. */
export interface RunCommandOptions {
  readonly command: StepCommand;
  readonly input: Uint8Array;
  readonly netCap: string;
  readonly entitlementId: bigint;
  readonly step: number;
  readonly fromStep: number;
  /** Killed (STEP_TIMEOUT) once this many milliseconds have passed. */
  readonly timeoutMs: number;
  readonly maxStateBytes: number;
  /** Parent of the step's private temporary folder (plaintext lives there only while the step runs). */
  readonly workDir: string;
}

/** Largest timer Node accepts. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Kills the command's whole process group (it was started as a group leader); gone already is fine. */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // ESRCH: the group has already exited.
  }
}

/** Spawns the command and resolves when it exits; rejects STEP_TIMEOUT or STEP_COMMAND_FAILED. */
function execute(command: StepCommand, env: Record<string, string>, cwd: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = command.argv;
    const io = command.stdio === "stderr" ? 2 : (command.stdio ?? "inherit");
    const child = spawn(file, args, { shell: false, env, cwd, detached: true, stdio: ["ignore", io, io] });
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        killGroup(child.pid);
      },
      Math.min(Math.max(1, Math.floor(timeoutMs)), MAX_TIMER_MS),
    );
    child.once("error", (cause) => {
      clearTimeout(timer);
      reject(new ProtocolError(RunnerErrorCode.STEP_COMMAND_FAILED, "the step command could not start", { cause }));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      // The step is over when its command exits: nothing it left behind may still write its outputs.
      killGroup(child.pid);
      if (timedOut) {
        reject(new ProtocolError(RunnerErrorCode.STEP_TIMEOUT, `the step command ran past ${timeoutMs} ms`));
      } else if (code !== 0) {
        const how = signal === null ? `status ${code}` : `signal ${signal}`;
        reject(new ProtocolError(RunnerErrorCode.STEP_COMMAND_FAILED, `the step command exited with ${how}`));
      } else {
        resolve();
      }
    });
  });
}

/** Reads one output: a regular file of at most `max` bytes. */
async function readOutput(file: string, max: number): Promise<Uint8Array> {
  const name = path.basename(file);
  const info = await lstat(file).catch(() => undefined);
  if (info === undefined) runnerFail(RunnerErrorCode.STEP_OUTPUT_MISSING, `the step command did not write ${name}`);
  if (!info.isFile()) runnerFail(RunnerErrorCode.STEP_OUTPUT_INVALID, `expected ${name} to be a regular file`);
  if (info.size > max) runnerFail(RunnerErrorCode.STATE_TOO_LARGE, `expected ${name} of at most ${max} bytes`);
  const bytes = await readFile(file);
  if (bytes.byteLength > max) runnerFail(RunnerErrorCode.STATE_TOO_LARGE, `expected ${name} of at most ${max} bytes`);
  return new Uint8Array(bytes);
}

/** Refuses an output that must be JSON (result, next tokens) but is not strict UTF-8 JSON. */
function verifyJsonOutput(bytes: Uint8Array, name: string): void {
  try {
    JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes));
  } catch (cause) {
    runnerFail(RunnerErrorCode.STEP_OUTPUT_INVALID, `expected ${name} to be UTF-8 JSON`, cause);
  }
}

/**
 * Runs the step command (argv, no shell, in its own process group) on the decrypted input state, in a private
 * temporary folder removed afterwards; kills the whole group at the time limit; reads and size-checks its
 * outputs. The state caps never reach the command: it sees plaintext files and the netCap only.
 */
export async function runStepCommand(options: RunCommandOptions): Promise<StepOutputs> {
  const dir = await mkdtemp(path.join(options.workDir, "swarm-step-"));
  try {
    const files = {
      stateIn: path.join(dir, "state.in"),
      stateOut: path.join(dir, "state.out"),
      result: path.join(dir, "result.json"),
      nextTokens: path.join(dir, "next_tokens.json"),
    };
    await writeFile(files.stateIn, options.input, { flag: "wx", mode: 0o600 });
    const env: Record<string, string> = {
      ...options.command.env,
      [StepEnv.STATE_IN]: files.stateIn,
      [StepEnv.STATE_OUT]: files.stateOut,
      [StepEnv.RESULT_OUT]: files.result,
      [StepEnv.NEXT_TOKENS_OUT]: files.nextTokens,
      [StepEnv.NETCAP]: options.netCap,
      [StepEnv.ENTITLEMENT_ID]: options.entitlementId.toString(),
      [StepEnv.STEP]: options.step.toString(),
      [StepEnv.FROM_STEP]: options.fromStep.toString(),
    };
    await execute(options.command, env, options.command.cwd ?? dir, options.timeoutMs);
    const outputs = {
      state: await readOutput(files.stateOut, options.maxStateBytes),
      result: await readOutput(files.result, options.maxStateBytes),
      nextTokens: await readOutput(files.nextTokens, options.maxStateBytes),
    };
    verifyJsonOutput(outputs.result, "result");
    verifyJsonOutput(outputs.nextTokens, "next tokens");
    return outputs;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
