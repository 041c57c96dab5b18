import { expect } from "chai";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { type RunCommandOptions, StepEnv, runStepCommand } from "../../../client/src/runner/command";
import { RunnerErrorCode } from "../../../client/src/runner/errors";
import { expectCode } from "../chain/fixture";

/** A Node script as the step command: argv, no shell. */
const node = (script: string, ...args: string[]): RunCommandOptions["command"] => ({
  argv: [process.execPath, "-e", script, ...args],
  stdio: "ignore",
});

/** Writes the three outputs from the script's own values. */
const WRITE_ALL = `
const fs = require("fs");
const e = process.env;
fs.writeFileSync(e.${StepEnv.STATE_OUT}, fs.readFileSync(e.${StepEnv.STATE_IN}));
fs.writeFileSync(e.${StepEnv.RESULT_OUT}, JSON.stringify({ argv: process.argv.slice(1), env: Object.keys(e).sort(), netCap: e.${StepEnv.NETCAP}, step: e.${StepEnv.STEP} }));
fs.writeFileSync(e.${StepEnv.NEXT_TOKENS_OUT}, "[]");
`;

describe("runner: the step command", function () {
  this.timeout(30_000);
  let workDir: string;
  const options = (command: RunCommandOptions["command"], overrides: Partial<RunCommandOptions> = {}) => ({
    command,
    input: new TextEncoder().encode('{"counter":1}'),
    netCap: "h.p.s",
    entitlementId: 7n,
    step: 2,
    fromStep: 1,
    timeoutMs: 10_000,
    maxStateBytes: 1024,
    workDir,
    ...overrides,
  });

  beforeEach(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), "swarm-command-test-"));
  });

  afterEach(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it("runs argv without a shell, with only the given environment and the SWARM_* variables", async () => {
    const out = await runStepCommand(options({ ...node(WRITE_ALL, "; touch pwned", "$HOME"), env: { LANG: "C" } }));
    expect(new TextDecoder().decode(out.state)).to.equal('{"counter":1}');
    const result = JSON.parse(new TextDecoder().decode(out.result)) as {
      argv: string[];
      env: string[];
      netCap: string;
    };
    expect(result.argv).to.deep.equal(["; touch pwned", "$HOME"]);
    expect(result.env).to.include.members([
      "LANG",
      "SWARM_STATE_IN",
      "SWARM_STATE_OUT",
      "SWARM_RESULT_OUT",
      "SWARM_NEXT_TOKENS_OUT",
      "SWARM_NETCAP",
      "SWARM_ENTITLEMENT_ID",
      "SWARM_STEP",
      "SWARM_FROM_STEP",
    ]);
    expect(result.env).to.not.include("PATH");
    expect(result.netCap).to.equal("h.p.s");
    expect(existsSync(path.join(workDir, "pwned"))).to.equal(false);
    expect(await readdir(workDir)).to.deep.equal([]); // the plaintext folder is gone
  });

  it("reports a failing command and removes its plaintext", async () => {
    await expectCode(() => runStepCommand(options(node("process.exit(3)"))), RunnerErrorCode.STEP_COMMAND_FAILED);
    await expectCode(
      () => runStepCommand(options({ argv: [path.join(workDir, "no-such-binary")] })),
      RunnerErrorCode.STEP_COMMAND_FAILED,
    );
    expect(await readdir(workDir)).to.deep.equal([]);
  });

  it("kills a command (and what it started) that outlives its time limit", async () => {
    const marker = path.join(workDir, "late-write");
    const grandchild = `setTimeout(() => require("fs").writeFileSync(${JSON.stringify(marker)}, "x"), 1500)`;
    const script = `
      require("child_process").spawn(process.execPath, ["-e", ${JSON.stringify(grandchild)}], { stdio: "ignore" });
      setInterval(() => {}, 1000);
    `;
    const started = Date.now();
    await expectCode(() => runStepCommand(options(node(script), { timeoutMs: 400 })), RunnerErrorCode.STEP_TIMEOUT);
    expect(Date.now() - started).to.be.below(5_000);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(existsSync(marker)).to.equal(false);
  });

  it("refuses an output larger than maxStateBytes", async () => {
    const script = `${WRITE_ALL}; require("fs").writeFileSync(process.env.SWARM_STATE_OUT, "x".repeat(1025));`;
    await expectCode(() => runStepCommand(options(node(script))), RunnerErrorCode.STATE_TOO_LARGE);
  });

  it("refuses a missing output and a result that is not JSON", async () => {
    const noNext = `${WRITE_ALL}; require("fs").rmSync(process.env.SWARM_NEXT_TOKENS_OUT);`;
    await expectCode(() => runStepCommand(options(node(noNext))), RunnerErrorCode.STEP_OUTPUT_MISSING);
    const badResult = `${WRITE_ALL}; require("fs").writeFileSync(process.env.SWARM_RESULT_OUT, "{not json");`;
    await expectCode(() => runStepCommand(options(node(badResult))), RunnerErrorCode.STEP_OUTPUT_INVALID);
  });
});
