/**
 * The `swarm` CLI as users run it (`node client/bin/swarm.js …`, configured through SWARM_* variables and key
 * files) against a real local chain, the development OIDC issuer, the gateway over HTTP and the development
 * Sigstore: a seller publishes, a buyer buys and seeds the state, a runner runs steps inside "GitHub Actions" (the
 * issuer hands out ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN) while the buyer answers its sessions, a step settles and
 * its output is read, the seller withdraws; and every refusal is clear, coded, and releases and loses nothing.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { type Hex, parseEther, toHex } from "viem";

import { readCredit, readEntitlement } from "../../client/src/chain/read";
import { createGatewayClient } from "../../client/src/gateway/client";
import { buildPolicyCapsule, parsePolicyCapsule } from "../../client/src/protocol/policy";
import { parseStepPermitJson } from "../../client/src/protocol/stepPermitJson";
import { type DevSigstore, startDevSigstore } from "../../devnet/sigstore";
import { DEV_COMMIT, devAccount } from "../../devnet/stack";
import { type CliRun, runInProcess } from "../client/cli/runtime";
import { jsonOf, spawnCli } from "../client/cli/spawnCli";
import { claimAsDevVerifier } from "./support/claimStep";
import { type World, startWorld } from "./support/world";

const STEP_JS = `const fs = require("node:fs");
const s = JSON.parse(fs.readFileSync(process.env.SWARM_STATE_IN, "utf8"));
s.n += 1;
fs.writeFileSync(process.env.SWARM_STATE_OUT, JSON.stringify(s));
fs.writeFileSync(process.env.SWARM_RESULT_OUT, JSON.stringify({ n: s.n }));
fs.writeFileSync(process.env.SWARM_NEXT_TOKENS_OUT, "[]");
console.log("step ran, n =", s.n);
`;

const keyOf = (role: Parameters<typeof devAccount>[0]) => toHex(devAccount(role).getHdKey().privateKey!);

/** Every file under `dir` with its bytes, to show a folder was left exactly as it was. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[path.relative(dir, p)] = readFileSync(p).toString("base64");
    }
  };
  walk(dir);
  return out;
}

function expectRefusal(run: CliRun, code: string, exitCode: number): void {
  expect(run.stderr, run.stderr).to.match(new RegExp(`^error ${code}: .+\\nhint: .+`, "m"));
  expect(run.code, run.stderr).to.equal(exitCode);
}

describe("e2e: the swarm CLI (seller, buyer, runner) against a local chain, issuer, gateway and Sigstore", function () {
  this.timeout(600_000);
  let world: World;
  let sigstore: DevSigstore;
  let dir: string;
  let env: Record<string, string>;
  let buyerArgs: string[];
  let sigstoreArgs: () => string[];
  let runnerArgs: (evidence: string, extra?: string[]) => string[];
  let offerId: string;
  let entitlementId: string;
  const evidence = () => path.join(dir, "evidence");
  const cli = (args: string[], extraEnv: Record<string, string> = {}) =>
    spawnCli(args, { env: { ...env, ...extraEnv }, cwd: dir });
  let nextRun = 900_000_001n;
  /** A "GitHub Actions job": the development issuer registers the run and hands out the two variables. */
  const jobEnv = (jobWorkflowSha: string = DEV_COMMIT) => {
    const c = world.issuer.registerRun({ runId: (nextRun++).toString(), jobWorkflowSha, sha: DEV_COMMIT });
    return { ACTIONS_ID_TOKEN_REQUEST_URL: c.requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: c.requestToken };
  };
  const gateway = () => createGatewayClient(world.url, fetch);
  const reader = () => ({ publicClient: world.publicClient, market: world.market });
  /** Sessions seen so far: a runner that gave up leaves its session behind, waiting. */
  const seen = new Set<string>();
  /** Waits until `n` new sessions of the entitlement wait for a permit; returns their ids, oldest first. */
  async function waitingSessions(n: number): Promise<string[]> {
    for (let i = 0; i < 600; i++) {
      const all = await gateway().listSessions(BigInt(entitlementId));
      const fresh = all.filter((s) => !s.hasPermit && !seen.has(s.id)).map((s) => s.id);
      if (fresh.length >= n) {
        for (const id of fresh) seen.add(id);
        return fresh;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`expected ${n} waiting sessions`);
  }

  before(async () => {
    world = await startWorld();
    sigstore = await startDevSigstore({ oidc: { issuer: world.issuer.issuer, jwksUri: world.issuer.jwksUri } });
    dir = mkdtempSync(path.join(tmpdir(), "swarm-cli-e2e-"));
    writeFileSync(path.join(dir, "policy.json"), world.policy.bytes);
    writeFileSync(path.join(dir, "trusted_root.json"), JSON.stringify(sigstore.trustedRoot));
    writeFileSync(path.join(dir, "step.js"), STEP_JS);
    writeFileSync(path.join(dir, "genesis.json"), JSON.stringify({ n: 0 }));
    writeFileSync(path.join(dir, "buyer.key"), `${keyOf("buyer")}\n`, { mode: 0o600 });
    env = {
      SWARM_RPC_URL: world.node.url,
      SWARM_MARKET: world.market,
      SWARM_CHAIN_ID: "31337",
      SWARM_GATEWAY_URL: world.url,
    };
    buyerArgs = ["--key-file", "buyer.key"];
    sigstoreArgs = () => [
      ...["--sigstore-fulcio-url", sigstore.fulcioUrl, "--sigstore-rekor-url", sigstore.rekorUrl],
      ...["--sigstore-tsa-url", sigstore.tsaUrl],
    ];
    runnerArgs = (ev, extra = sigstoreArgs()) => [
      ...["run", "step", "--entitlement", entitlementId, "--capsule", "policy.json", "--evidence", ev],
      ...["--trusted-root", "trusted_root.json", "--wait", "400", "--json", ...extra],
      ...["--", process.execPath, "step.js"],
    ];
  });

  after(async () => {
    await sigstore?.stop();
    await world?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("the seller publishes an offer from a policy capsule and reads it back", async () => {
    const seller = { SWARM_PRIVATE_KEY: keyOf("seller") };
    const published = await cli(
      [
        ...["offer", "publish", "--capsule", "policy.json", "--price", "0.01ether", "--commit", DEV_COMMIT],
        ...["--arbiter", devAccount("arbiter").address, "--verifier", devAccount("verifier").address],
        ...["--dispute-window", "3600", "--arbiter-timeout", "3600", "--json"],
      ],
      seller,
    );
    expect(published.code, published.stderr).to.equal(0);
    const doc = jsonOf<{ offerId: string; policyHash: string }>(published);
    expect(doc.policyHash).to.equal(world.policy.policyHash);
    offerId = doc.offerId;
    expect(published.stderr).to.match(/waiting for 1 confirmation/);
    const shown = await cli(["offer", "show", offerId]);
    expect(shown.code).to.equal(0);
    expect(shown.stdout).to.match(new RegExp(`policyHash\\s+${world.policy.policyHash}`));
    expect(shown.stdout).to.match(/status\s+open/);
  });

  it("the buyer buys three steps (key from a file) and seeds the genesis state", async () => {
    const bought = await cli([...buyerArgs, "buy", offerId, "--steps", "3", "--json"]);
    expect(bought.code, bought.stderr).to.equal(0);
    const doc = jsonOf<{ entitlementId: string; amount: string }>(bought);
    expect(doc.amount).to.equal(parseEther("0.03").toString());
    entitlementId = doc.entitlementId;
    const seeded = await cli([
      ...buyerArgs,
      "state",
      "seed",
      entitlementId,
      "--file",
      "genesis.json",
      "--capsule",
      "policy.json",
      "--evidence",
      "evidence",
    ]);
    expect(seeded.code, seeded.stderr).to.equal(0);
    expect(statSync(path.join(evidence(), entitlementId, "0", "state.jwe")).isFile()).to.equal(true);
  });

  let step1: { permit: Record<string, string>; signature: Hex; digest: Hex; certificateHash: Hex };

  it("runs step 1 inside a job while the buyer answers its session with a bound permit", async () => {
    const runner = cli(runnerArgs("evidence"), jobEnv());
    const signed = await cli([
      ...buyerArgs,
      "permit",
      "sign",
      entitlementId,
      "--wait",
      "400",
      "--capsule",
      "policy.json",
      "--json",
    ]);
    const ran = await runner;
    expect(signed.code, signed.stderr).to.equal(0);
    expect(ran.code, ran.stderr).to.equal(0);
    const out = jsonOf<{ step: number; certificateHash: Hex; consumeTx: Hex; attested: boolean }>(ran);
    expect(out).to.include({ step: 1, attested: true });
    expect(ran.stderr).to.contain("step ran, n = 1"); // the step's own output goes to stderr, never into the JSON
    const files = readdirSync(path.join(evidence(), entitlementId, "1")).sort();
    expect(files).to.deep.equal([
      "certificate.json",
      "certificate.sigstore.json",
      "next_tokens.jwe",
      "result.jwe",
      "state.jwe",
    ]);
    step1 = {
      ...jsonOf<{ permit: Record<string, string>; signature: Hex; digest: Hex }>(signed),
      certificateHash: out.certificateHash,
    };
  });

  it("refuses a job built from another commit before opening a session (COMMIT_MISMATCH, exit 1)", async () => {
    const before = await readEntitlement(reader(), BigInt(entitlementId));
    const sessionsBefore = (await gateway().listSessions(BigInt(entitlementId))).length;
    const ran = await cli(runnerArgs("evidence"), jobEnv("1111111111111111111111111111111111111111"));
    expectRefusal(ran, "COMMIT_MISMATCH", 1);
    expect(JSON.parse(ran.stdout).error.code).to.equal("COMMIT_MISMATCH");
    expect((await gateway().listSessions(BigInt(entitlementId))).length).to.equal(sessionsBefore);
    expect((await readEntitlement(reader(), BigInt(entitlementId))).consumed).to.equal(before.consumed);
  });

  it("refuses a capsule that is not the offer's before opening a session (POLICY_MISMATCH, exit 1)", async () => {
    const parsed = parsePolicyCapsule(world.policy.bytes).capsule;
    const other = buildPolicyCapsule({ ...parsed, limits: { ...parsed.limits, maxSeconds: "60" } });
    writeFileSync(path.join(dir, "other-policy.json"), other.bytes);
    const args = runnerArgs("evidence").map((a) => (a === "policy.json" ? "other-policy.json" : a));
    const ran = await cli(args, jobEnv());
    expectRefusal(ran, "POLICY_MISMATCH", 1);
    expect((await readEntitlement(reader(), BigInt(entitlementId))).consumed).to.equal(1);
  });

  it("settles step 1 (verifier signature, keeper claim, buyer accept) and the buyer reads its output", async () => {
    const permit = parseStepPermitJson(step1.permit);
    await claimAsDevVerifier(world, permit, { permitDigest: step1.digest, certificateHash: step1.certificateHash });
    const accepted = await cli([...buyerArgs, "accept", entitlementId, "1", "--json"]);
    expect(accepted.code, accepted.stderr).to.equal(0);
    expect(jsonOf<{ amount: string }>(accepted).amount).to.equal(parseEther("0.01").toString());
    const read = await cli([
      ...buyerArgs,
      "state",
      "read",
      entitlementId,
      "1",
      "--capsule",
      "policy.json",
      "--out",
      "plain1",
      "--json",
    ]);
    expect(read.code, read.stderr).to.equal(0);
    expect(jsonOf<{ result: unknown }>(read).result).to.deep.equal({ n: 1 });
    expect(JSON.parse(readFileSync(path.join(dir, "plain1", "state"), "utf8"))).to.deep.equal({ n: 1 });
  });

  it("runs step 2 from step 1's attested evidence; refuses a permit for another worker key and a replayed permit", async () => {
    // Step 2 as in GitHub Actions: the evidence is written unattested, the next workflow step attests it.
    const job = jobEnv();
    const r1 = cli(runnerArgs("evidence", ["--attestation", "deferred"]), job);
    const [s1] = await waitingSessions(1);
    const r2 = cli(runnerArgs("evidence", [...sigstoreArgs(), "--wait", "30"]), jobEnv());
    const [s2] = await waitingSessions(1);
    const out = await cli([...buyerArgs, "permit", "sign", entitlementId, "--session", s1!, "--out", "p2.json"]);
    expect(out.code, out.stderr).to.equal(0);

    const wrongKey = await cli(["permit", "attach", s2!, "--file", "p2.json", "--json"]);
    expectRefusal(wrongKey, "SESSION_PERMIT_MISMATCH", 4);
    expect(JSON.parse(wrongKey.stdout).error).to.include({ code: "SESSION_PERMIT_MISMATCH", exitCode: 4 });

    const attached = await cli(["permit", "attach", s1!, "--file", "p2.json"]);
    expect(attached.code, attached.stderr).to.equal(0);
    const ran = await r1;
    expect(ran.code, ran.stderr).to.equal(0);
    expect(jsonOf<{ step: number; fromStep: number; attested: boolean }>(ran)).to.include({
      step: 2,
      fromStep: 1,
      attested: false,
    });
    const step2 = path.join(evidence(), entitlementId, "2");
    expect(readdirSync(step2)).not.to.include("certificate.sigstore.json");
    const attest = ["run", "attest", "--entitlement", entitlementId, "--step", "2", "--json"];
    const pinned = ["--trusted-root", "trusted_root.json", "--capsule", "policy.json"];
    const attested = await cli([...attest, ...sigstoreArgs(), ...pinned], job);
    expect(attested.code, attested.stderr).to.equal(0);
    expect(jsonOf<{ verified: boolean }>(attested).verified).to.equal(true);

    const replay = await cli(["permit", "attach", s1!, "--file", "p2.json"]);
    expectRefusal(replay, "PERMIT_STEP_OUT_OF_ORDER", 4);
    expect(replay.stderr).to.contain("hint: the gateway refused; nothing was released");
    expect((await readEntitlement(reader(), BigInt(entitlementId))).consumed).to.equal(2);

    const waited = await r2;
    expectRefusal(waited, "PERMIT_WAIT_TIMEOUT", 5);
    expect(() => statSync(path.join(evidence(), entitlementId, "3"))).to.throw();
  });

  it("never replaces an attestation, and refuses a bundle attesting another certificate", async () => {
    const bundle1 = path.join(evidence(), entitlementId, "1", "certificate.sigstore.json");
    const attest = ["run", "attest", "--entitlement", entitlementId, "--step", "2"];
    const again = await runInProcess([...attest, "--bundle", bundle1], { cwd: dir });
    expectRefusal(again, "ATTEST_SUBJECT_DIGEST_MISMATCH", 1);
    const copy = path.join(dir, "ev-unattested");
    cpSync(evidence(), copy, { recursive: true });
    const own = path.join(copy, entitlementId, "2", "certificate.sigstore.json");
    const kept = readFileSync(own);
    rmSync(own);
    const wrong = await runInProcess([...attest, "--evidence", copy, "--bundle", bundle1], { cwd: dir });
    expectRefusal(wrong, "ATTEST_SUBJECT_DIGEST_MISMATCH", 1);
    writeFileSync(path.join(dir, "bundle2.json"), kept);
    const right = await runInProcess([...attest, "--evidence", copy, "--bundle", "bundle2.json"], { cwd: dir });
    expect(right.code, right.stderr).to.equal(0);
    const twice = await runInProcess([...attest, "--evidence", copy, "--bundle", "bundle2.json"], { cwd: dir });
    expectRefusal(twice, "EVIDENCE_EXISTS", 3);
    expect(readFileSync(own)).to.deep.equal(kept);
  });

  it("refuses missing state, a tampered state bundle and existing evidence before the permit is consumed", async () => {
    const missing = path.join(dir, "ev-missing");
    mkdirSync(missing);
    const tampered = path.join(dir, "ev-tampered");
    cpSync(evidence(), tampered, { recursive: true });
    const stateFile = path.join(tampered, entitlementId, "2", "state.jwe");
    const jwe = readFileSync(stateFile, "utf8");
    writeFileSync(stateFile, jwe.slice(0, -3) + (jwe.endsWith("AAA") ? "BBB" : "AAA"));
    const existing = path.join(dir, "ev-existing");
    cpSync(evidence(), existing, { recursive: true });
    mkdirSync(path.join(existing, entitlementId, "3"));
    writeFileSync(path.join(existing, entitlementId, "3", "mine.txt"), "keep me");
    const before = { evidence: snapshot(evidence()), existing: snapshot(existing), tampered: snapshot(tampered) };
    const creditBefore = await readCredit(
      reader(),
      "0x0000000000000000000000000000000000000000",
      devAccount("buyer").address,
    );

    const runs = [missing, tampered, existing].map((ev) => cli(runnerArgs(ev), jobEnv()));
    const sessions = await waitingSessions(3);
    const signs = await Promise.all(
      sessions.map((s) => cli([...buyerArgs, "permit", "sign", entitlementId, "--session", s])),
    );
    for (const s of signs) expect(s.code, s.stderr).to.equal(0);
    const [m, t, e] = await Promise.all(runs);
    expectRefusal(m!, "INPUT_MISSING", 1);
    expectRefusal(t!, "INPUT_STATE_MISMATCH", 1);
    expectRefusal(e!, "EVIDENCE_EXISTS", 3);

    const ent = await readEntitlement(reader(), BigInt(entitlementId));
    expect(ent.consumed).to.equal(2); // no permit was consumed: the buyer's third step is intact
    expect(
      await readCredit(reader(), "0x0000000000000000000000000000000000000000", devAccount("buyer").address),
    ).to.equal(creditBefore);
    expect(snapshot(evidence())).to.deep.equal(before.evidence);
    expect(snapshot(existing)).to.deep.equal(before.existing);
    expect(snapshot(tampered)).to.deep.equal(before.tampered);
    expect(readdirSync(missing)).to.deep.equal([]);
  });

  it("the seller withdraws what the settled step paid, and the entitlement shows its steps", async () => {
    const withdrawn = await cli(["withdraw", "--json"], { SWARM_PRIVATE_KEY: keyOf("seller") });
    expect(withdrawn.code, withdrawn.stderr).to.equal(0);
    expect(jsonOf<{ amount: string }>(withdrawn).amount).to.equal(parseEther("0.01").toString());
    const again = await cli(["withdraw"], { SWARM_PRIVATE_KEY: keyOf("seller") });
    expectRefusal(again, "MARKET_NOTHING_TO_WITHDRAW", 4);
    const shown = await cli(["entitlement", entitlementId]);
    expect(shown.code, shown.stderr).to.equal(0);
    expect(shown.stdout).to.contain("2 of 3 steps consumed");
    expect(shown.stdout).to.match(/step 1: Settled/);
    expect(shown.stdout).to.match(/step 2: Consumed/);
  });
});
