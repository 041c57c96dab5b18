import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";

import { classifyCode } from "../../../client/src/cli/errors";
import { serializeCursor } from "../../../client/src/keeper/cursor";
import { runInProcess } from "../cli/runtime";

const MARKET = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
const GLOBAL = ["--rpc-url", "http://127.0.0.1:1", "--chain-id", "31337", "--market", MARKET];

describe("swarm keeper (CLI)", () => {
  let cwd: string;
  beforeEach(async () => (cwd = await mkdtemp(path.join(tmpdir(), "swarm-keeper-cli-"))));
  afterEach(() => rm(cwd, { recursive: true, force: true }));

  const run = (args: string[], env: Record<string, string> = {}) =>
    runInProcess([...GLOBAL, "keeper", ...args], { cwd, env });

  it("refuses to start without an evidence source, or with two (exit 3)", async () => {
    const none = await run(["run", "--verifier-url", "http://127.0.0.1:2", "--once"]);
    expect(none.code).to.equal(3);
    expect(none.stderr).to.include("error CONFIG_MISSING: expected exactly one evidence source");
    const both = await run([
      "run",
      "--evidence-dir",
      "e",
      "--github-repo",
      "a/b",
      "--verifier-url",
      "http://x",
      "--once",
    ]);
    expect(both.code).to.equal(3);
  });

  it("refuses to start without a verifier (exit 3)", async () => {
    const r = await run(["run", "--evidence-dir", "e", "--once"]);
    expect(r.code).to.equal(3);
    expect(r.stderr).to.include("error CONFIG_MISSING: no verifier");
  });

  it("rejects a GitHub repository name that could redirect its requests (exit 3)", async () => {
    const r = await run(["run", "--github-repo", "a/b/../../x", "--verifier-url", "http://127.0.0.1:2", "--once"]);
    expect(r.code).to.equal(3);
    expect(r.stderr).to.include("error KEEPER_CONFIG_INVALID");
  });

  it("rejects an unknown action to disable (exit 3)", async () => {
    const r = await run(["run", "--evidence-dir", "e", "--verifier-url", "http://x", "--disable", "pay", "--once"]);
    expect(r.code).to.equal(3);
    expect(r.stderr).to.include("ARGUMENT_INVALID");
  });

  it("needs the sender's key from the environment or a key file, never a flag (exit 3)", async () => {
    const r = await run(["run", "--evidence-dir", "e", "--verifier-url", "http://127.0.0.1:2", "--once"]);
    expect(r.code).to.equal(3);
    expect(r.stderr).to.include("error KEY_MISSING");
    const flag = await run(["run", "--private-key", "0x01"]);
    expect(flag.code).to.equal(3);
    expect(flag.stderr).to.include("SECRET_ON_COMMAND_LINE");
  });

  it("prints a cursor's pending steps as JSON", async () => {
    await writeFile(
      path.join(cwd, "keeper-cursor.json"),
      serializeCursor({
        chainId: 31337n,
        market: MARKET,
        nextBlock: 12n,
        lastBlock: undefined,
        pending: [
          {
            entitlementId: 4n,
            step: 1,
            fromStep: 0,
            permitDigest: `0x${"11".repeat(32)}`,
            workerKey: `0x${"22".repeat(32)}`,
            runId: 9n,
            runAttempt: 1,
            blockNumber: 10n,
            txHash: `0x${"33".repeat(32)}`,
          },
        ],
      }),
    );
    const r = await runInProcess([...GLOBAL, "--json", "keeper", "status"], { cwd });
    expect(r.code, r.stderr).to.equal(0);
    const doc = JSON.parse(r.stdout) as { nextBlock: string; pending: { entitlementId: string; step: number }[] };
    expect(doc.nextBlock).to.equal("12");
    expect(doc.pending.map((p) => [p.entitlementId, p.step])).to.deep.equal([["4", 1]]);
  });

  it("refuses a cursor written for another market (exit 3, the file left as it is)", async () => {
    const other = "0x0000000000000000000000000000000000000001";
    const text = serializeCursor({ chainId: 31337n, market: other, nextBlock: 1n, lastBlock: undefined, pending: [] });
    await writeFile(path.join(cwd, "keeper-cursor.json"), text);
    const r = await run(["status"]);
    expect(r.code).to.equal(3);
    expect(r.stderr).to.include("error KEEPER_CURSOR_INVALID");
    expect(await readFile(path.join(cwd, "keeper-cursor.json"), "utf8")).to.equal(text);
  });

  it("maps the keeper's cursor and configuration codes to exit 3, not to 'invalid' (exit 1)", () => {
    expect(classifyCode("KEEPER_CURSOR_INVALID").exitCode).to.equal(3);
    expect(classifyCode("KEEPER_CONFIG_INVALID").exitCode).to.equal(3);
    expect(classifyCode("KEEPER_EVIDENCE_INVALID").exitCode).to.equal(1);
  });
});
