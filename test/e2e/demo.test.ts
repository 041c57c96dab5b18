import { type ChildProcess, spawn } from "node:child_process";
import { createPublicKey } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";

import { type Address, type Hex, recoverTypedDataAddress } from "viem";

import { verifyAttestationBundle } from "../../client/src/attest";
import { type BundlePins, verifyBundle } from "../../client/src/bundle";
import { certificateHash, parseCertificate } from "../../client/src/protocol/certificate";
import { marketDomain, stepAttestationTypes } from "../../client/src/protocol/eip712";
import { sha256Hex } from "../../client/src/protocol/jcs";
import { type StepAttestationJson, stepAttestationFromJson } from "../../client/src/verify";
import { devAccount } from "../../devnet/stack";
import type { DemoSummary } from "../../scripts/demo/summary";

const ROOT = path.resolve(__dirname, "..", "..");
const TS_NODE = require.resolve("ts-node/dist/bin.js");
const EVIDENCE_FILES = ["certificate.json", "certificate.sigstore.json", "state.jwe", "result.jwe", "next_tokens.jwe"];

/** A finished run of a command: exit code, signal, output, wall time. */
interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Spawns `command` in the repository and collects it; `onStdout` sees the output as it grows. */
function run(
  command: string,
  args: string[],
  onStdout: (soFar: string, child: ChildProcess) => void = () => undefined,
): { child: ChildProcess; done: Promise<Finished> } {
  const start = performance.now();
  const child = spawn(command, args, { cwd: ROOT, env: process.env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => {
    stdout += d.toString();
    onStdout(stdout, child);
  });
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Finished>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve({ code, signal, stdout, stderr, ms: performance.now() - start }));
  });
  return { child, done };
}

/** Whether nothing listens on the URL's port on 127.0.0.1. */
function portClosed(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port: Number(new URL(url).port) });
    socket.once("connect", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(true));
  });
}

/** Asserts that every service the summary names is down and every temporary folder it used is gone. */
async function expectNothingLeft(summary: DemoSummary): Promise<void> {
  const urls = Object.entries(summary.services).filter(([, url]) => url !== "");
  expect(urls.length, "services recorded").to.be.greaterThan(0);
  for (const [name, url] of urls) expect(await portClosed(url), `${name} ${url} still listening`).to.equal(true);
  for (const dir of summary.tempDirs) expect(existsSync(dir), `${dir} left behind`).to.equal(false);
}

/** What the demo's auditor pinned, read back from `<out>/pins/` (the demo's own keys, never the bundle's trust/). */
async function readPins(out: string): Promise<BundlePins> {
  const pins = path.join(out, "pins");
  const key = async (file: string) => createPublicKey(await readFile(path.join(pins, file), "utf8"));
  const policy = JSON.parse(await readFile(path.join(pins, "witness-policy.json"), "utf8")) as {
    threshold: number;
    witnesses: string[];
    origin: string;
  };
  return {
    issuerKey: await key("issuer.pem"),
    logKey: await key("log-key.pem"),
    tsaChainPem: await readFile(path.join(pins, "tsa-chain.pem"), "utf8"),
    witnessPolicy: policy,
  };
}

async function readSummary(out: string): Promise<DemoSummary> {
  return JSON.parse(await readFile(path.join(out, "summary.json"), "utf8")) as DemoSummary;
}

describe("e2e: npm run demo, as a user runs it", function () {
  this.timeout(240_000);
  const outs: string[] = [];
  const children: ChildProcess[] = [];
  let out: string;
  let finished: Finished;
  let summary: DemoSummary;

  before(async () => {
    out = await mkdtemp(path.join(tmpdir(), "swarm-demo-e2e-"));
    outs.push(out);
    const started = run("npm", ["run", "demo", "--", "--out", out]);
    children.push(started.child);
    finished = await started.done;
    summary = await readSummary(out);
  });

  after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    for (const dir of outs) await rm(dir, { recursive: true, force: true });
  });

  it("exits 0, in under two minutes", () => {
    expect(finished.code, finished.stderr).to.equal(0);
    expect(finished.ms).to.be.below(120_000);
  });

  it("tells each step, the refused replays, the dispute's ruling and the final output", () => {
    const story = finished.stdout;
    expect(story).to.include("── step 1: continues from the genesis state");
    expect(story).to.include("── step 2: continues from step 1");
    expect(story).to.include("── step 3: continues from step 2");
    expect(story.match(/→ step \d Claimed/g)).to.have.length(3);
    expect(story).to.include("refused: WORKER_KEY_MISMATCH (HTTP 403)");
    expect(story).to.include("refused: PERMIT_STEP_OUT_OF_ORDER (HTTP 403)");
    expect(story).to.include("rule(step 3, sellerWins=true): price and bond to the seller");
    expect(story).to.include('state       {"counter":3,"words":["alpha","bravo","charlie"]}');
    expect(story).to.match(/done: 3 steps settled, 2 replays refused, 1 dispute ruled, in [0-9.]+ s/);
    expect(story).to.not.match(/BEGIN PRIVATE KEY|stateCap(In|Out)"?:\s*"?0x/);
  });

  it("writes each step's evidence, and the certificates and bundles verify again from the files alone", async () => {
    const trustedRoot: unknown = JSON.parse(await readFile(path.join(out, "trusted_root.json"), "utf8"));
    const issuer = summary.services.oidc;
    for (const step of [1, 2, 3]) {
      const dir = path.join(out, "evidence", summary.entitlement!.entitlementId, String(step));
      for (const file of EVIDENCE_FILES) expect(existsSync(path.join(dir, file)), `${dir}/${file}`).to.equal(true);
      const bytes = new Uint8Array(await readFile(path.join(dir, "certificate.json")));
      const cert = parseCertificate(bytes);
      expect(certificateHash(bytes)).to.equal(summary.steps[step - 1]!.certificateHash);
      expect(cert.stateOut).to.equal(sha256Hex(await readFile(path.join(dir, "state.jwe"))));
      const bundle: unknown = JSON.parse(await readFile(path.join(dir, "certificate.sigstore.json"), "utf8"));
      const verified = verifyAttestationBundle(bundle, {
        trustedRoot,
        expectedDigest: certificateHash(bytes),
        identity: { san: `https://github.com/${cert.run.jobWorkflowRef}`, issuer },
      });
      expect(verified.statement.predicate.step).to.equal(String(step));
    }
    for (const file of ["receipts.ndjson", "anchors.ndjson", "policy.json", "gateway-keys.json", "story.txt"]) {
      expect(existsSync(path.join(out, file)), file).to.equal(true);
    }
  });

  it("records in summary.json every step settled, the replays refused and the dispute ruled", () => {
    expect(summary.ok).to.equal(true);
    expect(summary.steps.map((s) => [s.step, s.fromStep, s.status, s.settledBy])).to.deep.equal([
      [1, 0, "Settled", "finalized"],
      [2, 1, "Settled", "finalized"],
      [3, 2, "Settled", "ruled"],
    ]);
    expect(summary.replays.map((r) => r.code)).to.deep.equal(["WORKER_KEY_MISMATCH", "PERMIT_STEP_OUT_OF_ORDER"]);
    expect(summary.dispute).to.deep.include({ step: 3, ruling: "seller", status: "Settled" });
    expect(summary.output?.state).to.deep.equal({ counter: 3, words: ["alpha", "bravo", "charlie"] });
    expect(BigInt(summary.totalGas) > 0n).to.equal(true);
  });

  it("claims with signatures of the SDK verifier service, sent by the running SDK keeper, whose cursor ends empty", async () => {
    expect(finished.stdout).to.include("verifier service http://127.0.0.1:");
    expect(finished.stdout).to.include("keeper (swarm keeper run) following the market");
    expect(finished.stdout.match(/20 checks passed → valid/g)).to.have.length(3);
    const verifier = devAccount("verifier").address;
    for (const step of [1, 2, 3]) {
      const file = path.join(out, "attestations", `step-${step}.json`);
      const saved = JSON.parse(await readFile(file, "utf8")) as {
        attestation: StepAttestationJson;
        signatures: Hex[];
        claimTx: string;
      };
      expect(saved.claimTx).to.equal(summary.steps[step - 1]!.claimTx);
      const signer = await recoverTypedDataAddress({
        domain: marketDomain(BigInt(summary.chainId), summary.market as Address),
        types: stepAttestationTypes,
        primaryType: "StepAttestation",
        message: stepAttestationFromJson(saved.attestation),
        signature: saved.signatures[0]!,
      });
      expect(signer).to.equal(verifier);
      const record = path.join(
        out,
        "verifier-records",
        summary.chainId,
        summary.market,
        summary.entitlement!.entitlementId,
      );
      expect(existsSync(path.join(record, `${step}.json`)), `verifier record of step ${step}`).to.equal(true);
    }
    const cursor = JSON.parse(await readFile(path.join(out, "keeper-cursor.json"), "utf8")) as { pending: unknown[] };
    expect(cursor.pending).to.deep.equal([]);
    expect(summary.transactions.filter((t) => t.actor === "keeper").map((t) => t.action)).to.have.members([
      "claim step 1",
      "claim step 2",
      "claim step 3",
      "finalize step 1",
      "finalize step 2",
    ]);
  });

  it("ends with an evidence bundle that verifies valid again from its files and the demo's pins alone", async () => {
    const bundle = summary.bundle!;
    expect(bundle).to.deep.include({ path: path.join(out, "bundle"), status: "valid", strength: "witnessed" });
    expect(bundle.anchorEpoch).to.match(/^[1-9][0-9]*$/);
    const ledger = (await readFile(path.join(out, "receipts.ndjson"), "utf8")).split("\n").filter((l) => l !== "");
    expect(bundle.receipts).to.equal(ledger.length);
    expect(finished.stdout).to.include("auditor   verified it offline: valid, strength witnessed");
    expect(finished.stdout).to.include(`EvidenceAnchor epoch ${bundle.anchorEpoch}`);
    expect(finished.stdout).to.include(bundle.verifyCommand);

    const report = await verifyBundle(bundle.path, { pins: await readPins(out), clock: () => new Date() });
    expect(report.status, JSON.stringify(report.checks)).to.equal("valid");
    expect([report.strength, report.partial, report.receipts?.count]).to.deep.equal([
      "witnessed",
      false,
      ledger.length,
    ]);
    expect(report.issuer.pinned).to.equal(true);
  });

  it("rejects a copy of the bundle with one byte flipped in a receipt line (invalid, FAILURE_HASH_MISMATCH)", async () => {
    const copy = await mkdtemp(path.join(tmpdir(), "swarm-demo-e2e-bundle-"));
    outs.push(copy);
    const dir = path.join(copy, "bundle");
    await cp(summary.bundle!.path, dir, { recursive: true });
    const file = path.join(dir, "receipts", "receipts.ndjson");
    const bytes = await readFile(file);
    const second = bytes.indexOf(0x0a) + 1;
    bytes[second + 40] ^= 0x01; // inside the second receipt line
    await writeFile(file, bytes);
    const report = await verifyBundle(dir, { pins: await readPins(out), clock: () => new Date() });
    expect(report.status).to.equal("invalid");
    expect(report.strength).to.equal("none");
    expect(report.code).to.equal("FAILURE_HASH_MISMATCH");
  });

  it("prints a `swarm bundle verify` command that a user can re-run on the written bundle (exit 0, valid)", async () => {
    const started = run("sh", ["-c", `${summary.bundle!.verifyCommand} --json`]);
    children.push(started.child);
    const result = await started.done;
    expect(result.code, result.stderr).to.equal(0);
    const report = JSON.parse(result.stdout) as { status: string; strength: string };
    expect([report.status, report.strength]).to.deep.equal(["valid", "witnessed"]);
  });

  it("leaves nothing running: every port it used is closed and its temporary folders are gone", async () => {
    await expectNothingLeft(summary);
  });

  it("refuses to write into a non-empty folder it did not make, leaving it untouched (exit 1)", async () => {
    const foreign = await mkdtemp(path.join(tmpdir(), "swarm-demo-e2e-foreign-"));
    outs.push(foreign);
    await writeFile(path.join(foreign, "notes.txt"), "mine");
    const started = run(process.execPath, [TS_NODE, "--transpile-only", "scripts/demo.ts", "--out", foreign]);
    children.push(started.child);
    const result = await started.done;
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include("refusing to write into");
    expect(await readdir(foreign)).to.deep.equal(["notes.txt"]);
  });

  it("rejects an unknown argument with the usage text (exit 2)", async () => {
    const started = run(process.execPath, [TS_NODE, "--transpile-only", "scripts/demo.ts", "--outt", "x"]);
    children.push(started.child);
    const result = await started.done;
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include('unknown argument "--outt"').and.include("Usage: npm run demo");
  });

  it("stops everything it started and exits 130 when interrupted in the middle of a step", async () => {
    const interruptedOut = await mkdtemp(path.join(tmpdir(), "swarm-demo-e2e-int-"));
    outs.push(interruptedOut);
    let sent = false;
    const started = run(
      process.execPath,
      [TS_NODE, "--transpile-only", "scripts/demo.ts", "--out", interruptedOut],
      (soFar, child) => {
        if (!sent && soFar.includes("── step 1:")) {
          sent = true;
          child.kill("SIGINT");
        }
      },
    );
    children.push(started.child);
    const result = await started.done;
    expect(sent, "the demo never reached step 1").to.equal(true);
    expect(result.code, result.stdout + result.stderr).to.equal(130);
    expect(result.stdout).to.include("── stopping: interrupted (SIGINT)");
    const partial = await readSummary(interruptedOut);
    expect(partial.ok).to.equal(false);
    expect(partial.error?.message).to.equal("interrupted (SIGINT)");
    await expectNothingLeft(partial);
  });
});
