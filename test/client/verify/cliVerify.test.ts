import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { bytesToHex } from "viem";

import { devAccount } from "../../../devnet/stack";
import { runInProcess } from "../cli/runtime";
import { type ChainWorld, startChainWorld } from "./chainWorld";

describe("swarm verify step|run (CLI, in-process) against a real local chain", function () {
  this.timeout(180_000);
  let w: ChainWorld;
  let dir: string;
  let id: bigint;
  let global: string[];
  let trust: string[];

  before(async () => {
    w = await startChainWorld();
    dir = await mkdtemp(path.join(tmpdir(), "swarm-verify-cli-"));
    id = await w.buy(2);
    await w.runStep(id, 1, 0, "tsa");
    await w.runStep(id, 2, 1, "tlog");
    await writeFile(path.join(dir, "root.json"), JSON.stringify(w.sigstore.trustedRoot));
    await writeFile(path.join(dir, "policy.json"), w.stack.policy.bytes);
    global = ["--json", "--chain-id", "31337", "--rpc-url", w.stack.node.url, "--market", w.market];
    trust = [
      "--evidence-dir",
      w.evidenceDir,
      "--trusted-root",
      "custom:0,0,1=root.json",
      "--trusted-root",
      "custom:1,0,1=root.json",
      "--policy",
      "policy.json",
    ];
  });
  after(async () => {
    await w?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const cli = (args: string[], env: Record<string, string> = {}) =>
    runInProcess([...global, ...args], { cwd: dir, env, fetch });

  it("verify step: exit 0 and the per-check report (valid)", async () => {
    const r = await cli(["verify", "step", id.toString(), "2", ...trust]);
    expect(r.code, r.stderr).to.equal(0);
    const report = JSON.parse(r.stdout);
    expect(report).to.include({ kind: "step", result: "valid", step: 2 });
    expect(report.checks.map((c: { name: string }) => c.name)).to.include.members([
      "sigstore.verify",
      "identity.commit",
      "continuity",
    ]);
  });

  it("verify run: exit 0, every step valid", async () => {
    const r = await cli(["verify", "run", id.toString(), ...trust]);
    expect(r.code, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout).steps.map((s: { result: string }) => s.result)).to.deep.equal(["valid", "valid"]);
  });

  it("verify step --attest: signs with the verifier's key from SWARM_PRIVATE_KEY, idempotently", async () => {
    const env = { SWARM_PRIVATE_KEY: bytesToHex(devAccount("verifier").getHdKey().privateKey!) };
    const args = ["verify", "step", id.toString(), "1", ...trust, "--attest", "--store", "records"];
    const first = await cli(args, env);
    expect(first.code, first.stderr).to.equal(0);
    const signed = JSON.parse(first.stdout);
    expect(signed).to.include({ verifier: devAccount("verifier").address.toLowerCase(), repeated: false });
    const again = JSON.parse((await cli(args, env)).stdout);
    expect(again).to.include({ signature: signed.signature, repeated: true });
  });

  it("exits 1 (invalid) for tampered evidence", async () => {
    const copy = path.join(dir, "tampered");
    await cp(w.evidenceDir, copy, { recursive: true });
    await writeFile(path.join(copy, id.toString(), "2", "result.jwe"), "x");
    const r = await cli(["verify", "step", id.toString(), "2", ...trust, "--evidence-dir", copy]);
    expect(r.code).to.equal(1);
    expect(JSON.parse(r.stdout)).to.include({ result: "invalid", code: "FAILURE_HASH_MISMATCH" });
  });

  it("verify step from genesis: checks stateIn against <dir>/<id>/0/state.jwe; a swapped genesis state exits 1", async () => {
    const checked = JSON.parse((await cli(["verify", "step", id.toString(), "1", ...trust])).stdout);
    expect(checked.result).to.equal("valid");
    expect(checked.checks.map((c: { name: string }) => c.name)).to.not.include("continuity.genesis");
    const copy = path.join(dir, "swapped-genesis");
    await cp(w.evidenceDir, copy, { recursive: true });
    await rm(path.join(copy, id.toString(), "0", "state.jwe"));
    await writeFile(path.join(copy, id.toString(), "0", "state.jwe"), "another genesis state");
    const r = await cli(["verify", "step", id.toString(), "1", ...trust, "--evidence-dir", copy]);
    expect(r.code).to.equal(1);
    expect(JSON.parse(r.stdout)).to.include({ result: "invalid", code: "FAILURE_CONTINUITY_BROKEN" });
  });

  it("exits 2 (indeterminate) without a pinned root, or offline without recorded chain facts", async () => {
    const noRoot = await cli([
      "verify",
      "step",
      id.toString(),
      "1",
      "--evidence-dir",
      w.evidenceDir,
      "--policy",
      "policy.json",
    ]);
    expect(noRoot.code).to.equal(2);
    expect(JSON.parse(noRoot.stdout).code).to.equal("INDETERMINATE_TRUST_ROOT_MISSING");
    const offline = await cli(["verify", "step", id.toString(), "1", ...trust, "--offline"]);
    expect(offline.code).to.equal(2);
    expect(JSON.parse(offline.stdout).code).to.equal("INDETERMINATE_CHAIN_FACTS_MISSING");
  });

  it("exits 3 for a malformed --trusted-root, a missing file and a missing evidence folder", async () => {
    expect((await cli(["verify", "step", id.toString(), "1", ...trust, "--trusted-root", "nope"])).code).to.equal(3);
    expect(
      (await cli(["verify", "step", id.toString(), "1", ...trust, "--trusted-root", "github=absent.json"])).code,
    ).to.equal(3);
    expect((await cli(["verify", "run", "99", ...trust])).code).to.equal(3);
  });
});
