import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { startDevTsa } from "../../../devnet/tsa";
import { publicKeyPem } from "../../../client/src/bundle/keys";
import type { CliRuntime } from "../../../client/src/cli/context";
import { runCli } from "../../../client/src/cli/program";
import { ed25519PublicJwk } from "../../../client/src/protocol/keys";
import {
  encodeBase64,
  ed25519NoteSigner,
  inclusionProof,
  leafHash,
  rootOf,
  signCheckpoint,
} from "../../../client/src/protocol/transparency";
import {
  ISSUER,
  NOW,
  ORIGIN,
  bundleFiles,
  fullInputs,
  ledgerLines,
  localTsa,
  org,
  receiptKey,
  witnessPolicy,
  writeTemp,
} from "./support/fullBundle";

async function swarm(
  argv: string[],
  cwd: string,
  fetchImpl?: typeof fetch,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const runtime: CliRuntime = {
    env: {},
    cwd,
    streams: { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) },
    fetch: fetchImpl ?? (() => Promise.reject(new Error("no network in this test"))),
    clock: () => NOW,
    sleep: async () => undefined,
  };
  const code = await runCli(argv, runtime);
  return { code, stdout, stderr };
}

describe("swarm bundle (CLI)", function () {
  this.timeout(60_000);
  let lines: Buffer[];
  let work: string;
  before(async () => {
    lines = await ledgerLines(6);
    work = await mkdtemp(join(tmpdir(), "swarm-bundle-cli-"));
    await writeFile(join(work, "org.pem"), publicKeyPem(org.publicKey));
    await writeFile(join(work, "org-key.pem"), org.privateKey.export({ format: "pem", type: "pkcs8" }));
  });
  after(() => rm(work, { recursive: true, force: true }));

  it("exits 0 with a valid JSON report when the issuer, witness policy and TSA chain are pinned", async () => {
    const tsa = await localTsa();
    await writeFile(join(work, "tsa.pem"), tsa.tsaChainPem);
    await writeFile(join(work, "witnesses.json"), JSON.stringify(witnessPolicy));
    const { dir, cleanup } = await writeTemp(await bundleFiles(fullInputs(lines, { timestamp: tsa })));
    try {
      const pins = ["--pin-key", "org.pem", "--witness-policy", "witnesses.json", "--tsa-chain", "tsa.pem"];
      const run = await swarm(["bundle", "verify", dir, ...pins, "--json"], work);
      expect(run.code, run.stderr).to.equal(0);
      const report = JSON.parse(run.stdout) as { status: string; strength: string };
      expect(report.status).to.equal("valid");
      expect(report.strength).to.equal("witnessed");
      // Without the TSA chain pinned, the declared timestamp layer cannot be checked: indeterminate, exit 2.
      const noTsa = await swarm(["bundle", "verify", dir, ...pins.slice(0, 4), "--json"], work);
      expect(noTsa.code, noTsa.stdout).to.equal(2);
      expect(JSON.parse(noTsa.stdout)).to.include({ status: "indeterminate", code: "TRUST_MATERIAL_MISSING" });
    } finally {
      await cleanup();
    }
  });

  it("exits 2 (indeterminate) without a pin, and 1 (invalid) for a tampered bundle", async () => {
    const files = await bundleFiles(fullInputs(lines));
    const { dir, cleanup } = await writeTemp(files);
    try {
      const unpinned = await swarm(["bundle", "verify", dir, "--json"], work);
      expect(unpinned.code).to.equal(2);
      expect((JSON.parse(unpinned.stdout) as { code: string }).code).to.equal("TRUST_ISSUER_UNPINNED");
      await writeFile(join(dir, "receipts/receipts.ndjson"), Buffer.concat([lines[1]!, Buffer.from("\n")]));
      const tampered = await swarm(["bundle", "verify", dir, "--pin-key", "org.pem"], work);
      expect(tampered.code).to.equal(1);
      expect(tampered.stdout).to.match(/status +invalid \(FAILURE_HASH_MISMATCH\)/);
    } finally {
      await cleanup();
    }
  });

  it("exits 3 when a pin file cannot be read", async () => {
    const run = await swarm(["bundle", "verify", work, "--pin-key", "missing.pem", "--json"], work);
    expect(run.code).to.equal(3);
    expect(run.stderr).to.match(/^error FILE_UNREADABLE/);
  });

  function fakeGateway(): typeof fetch {
    const envelopes = lines.map((l) => JSON.parse(l.toString()) as unknown);
    const described = {
      receiptIssuer: ISSUER,
      keys: { receipt: { kid: "x", jwk: ed25519PublicJwk(receiptKey.publicKey) } },
      gatewayKeys: { message: { gateway: "0x5fbdb2315678afecb367f032d93f642f64180aa3" }, signature: "0x" },
    };
    const leaves = lines.map(leafHash);
    // Signed with the receipt key: the gateway's default checkpoint key.
    const note = signCheckpoint(
      { origin: ORIGIN, treeSize: lines.length, rootHash: rootOf(leaves), extensions: [] },
      ed25519NoteSigner(ORIGIN, receiptKey.privateKey),
    );
    return (async (input: string | URL | Request) => {
      const url = new URL(String(input));
      const q = (k: string) => Number(url.searchParams.get(k));
      if (url.pathname === "/.well-known/swarm-gateway.json") return Response.json(described);
      if (url.pathname === "/v1/checkpoint") return new Response(note, { headers: { "content-type": "text/plain" } });
      if (url.pathname === "/v1/proofs/inclusion") {
        const proof = inclusionProof(leaves, q("seq"), q("treeSize")).map(encodeBase64);
        return Response.json({ seq: String(q("seq")), treeSize: String(q("treeSize")), leafHash: "", proof });
      }
      if (url.pathname === "/v1/receipts") {
        const to = Math.min(q("to"), envelopes.length);
        return Response.json({ receipts: envelopes.slice(q("from"), Math.max(q("from"), to)) });
      }
      return Response.json({ error: { code: "NOT_FOUND", message: "no" } }, { status: 404 });
    }) as typeof fetch;
  }

  const flags = [
    "--gateway-url",
    "http://127.0.0.1:9",
    "--market",
    "0x5fbdb2315678afecb367f032d93f642f64180aa3",
    "--chain-id",
    "31337",
  ];

  it("exports an entitlement's bundle with the gateway's checkpoint and verifies it as published", async () => {
    const out = join(work, "exported");
    const argv = [
      "bundle",
      "export",
      "--entitlement",
      "7",
      "--out",
      out,
      "--claim-key-file",
      "org-key.pem",
      ...flags,
      "--json",
    ];
    const exported = await swarm(argv, work, fakeGateway());
    expect(exported.code, exported.stderr).to.equal(0);
    expect(JSON.parse(exported.stdout)).to.include({ receipts: 6, published: true });
    const verified = await swarm(["bundle", "verify", out, "--pin-key", "org.pem", "--json"], work);
    expect(verified.code, verified.stdout).to.equal(0);
    expect(JSON.parse(verified.stdout)).to.include({ status: "valid", strength: "published", partial: false });
  });

  it("exports one run's bundle (--run-id) whose claim names the run, and verifies it", async () => {
    const out = join(work, "exported-run");
    const argv = ["bundle", "export", "--entitlement", "7", "--run-id", "27476101517", "--out", out];
    const exported = await swarm([...argv, "--claim-key-file", "org-key.pem", ...flags, "--json"], work, fakeGateway());
    expect(exported.code, exported.stderr).to.equal(0);
    const subject = { kind: "run", chainId: "31337", market: flags[3], entitlementId: "7", runId: "27476101517" };
    expect((JSON.parse(exported.stdout) as { subject: unknown }).subject).to.deep.equal(subject);
    const verified = await swarm(["bundle", "verify", out, "--pin-key", "org.pem"], work);
    expect(verified.code, verified.stdout).to.equal(0);
    expect(verified.stdout).to.match(/subject +run 27476101517 of entitlement 7/);
  });

  it("refuses --run-id that is not a positive decimal id (exit 3)", async () => {
    const argv = ["bundle", "export", "--entitlement", "7", "--run-id", "0x10", "--out", join(work, "never")];
    const run = await swarm([...argv, "--claim-key-file", "org-key.pem", ...flags], work, fakeGateway());
    expect(run.code).to.equal(3);
    expect(run.stderr).to.match(/^error ARGUMENT_INVALID/);
  });

  it("timestamps the claim at a configured TSA (--tsa-url, --tsa-chain) and verifies the timestamp against that chain", async () => {
    const tsa = await startDevTsa({ clock: () => NOW });
    try {
      await writeFile(join(work, "tsa-chain.pem"), tsa.chainPem);
      const gateway = fakeGateway();
      const routed = ((input: string | URL | Request, init?: RequestInit) =>
        String(input).startsWith(tsa.url) ? fetch(input, init) : gateway(input, init)) as typeof fetch;
      const out = join(work, "exported-timestamped");
      const tsaFlags = ["--tsa-url", tsa.url, "--tsa-chain", "tsa-chain.pem"];
      const argv = ["bundle", "export", "--entitlement", "7", "--out", out, "--claim-key-file", "org-key.pem"];
      const exported = await swarm([...argv, ...tsaFlags, ...flags, "--json"], work, routed);
      expect(exported.code, exported.stderr).to.equal(0);
      expect((JSON.parse(exported.stdout) as { files: string[] }).files).to.include("TIMESTAMP.tsr");
      const pins = ["--pin-key", "org.pem", "--tsa-chain", "tsa-chain.pem", "--json"];
      const verified = await swarm(["bundle", "verify", out, ...pins], work);
      expect(verified.code, verified.stdout).to.equal(0);
      const report = JSON.parse(verified.stdout) as { status: string; checks: { name: string; status: string }[] };
      expect(report.status).to.equal("valid");
      expect(report.checks.find((c) => c.name === "timestamp")?.status).to.equal("passed");
      const unpinned = await swarm(["bundle", "verify", out, "--pin-key", "org.pem"], work);
      expect(unpinned.code, "a declared timestamp without its pinned chain is indeterminate").to.equal(2);
    } finally {
      await tsa.stop();
    }
  });

  it("refuses --tsa-url without --tsa-chain (a token nobody could check) with exit 3", async () => {
    const argv = ["bundle", "export", "--entitlement", "7", "--out", join(work, "never-tsa"), "--tsa-url"];
    const run = await swarm([...argv, "http://127.0.0.1:9/tsr", "--claim-key-file", "org-key.pem", ...flags], work);
    expect(run.code).to.equal(3);
    expect(run.stderr).to.match(/^error ARGUMENT_INVALID/);
  });

  it("exports a receipt prefix with inclusion proofs and verifies it as a partial bundle", async () => {
    const out = join(work, "exported-prefix");
    const argv = [
      "bundle",
      "export",
      "--entitlement",
      "7",
      "--out",
      out,
      "--claim-key-file",
      "org-key.pem",
      "--to",
      "4",
      ...flags,
    ];
    const exported = await swarm(argv, work, fakeGateway());
    expect(exported.code, exported.stderr).to.equal(0);
    const verified = await swarm(["bundle", "verify", out, "--pin-key", "org.pem", "--json"], work);
    expect(verified.code, verified.stdout).to.equal(0);
    expect(JSON.parse(verified.stdout)).to.include({ status: "valid", strength: "published", partial: true });
  });
});
