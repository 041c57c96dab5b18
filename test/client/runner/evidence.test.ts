/**
 * Deferred attestation, offline: a step run with `attest: "deferred"` writes its evidence without
 * certificate.sigstore.json and cannot be continued from until `writeStepAttestation` adds the bundle, once; an
 * attestation is never replaced and never written where no step's evidence is.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { type Hex, getAddress, toHex } from "viem";

import type { ReleasedCaps } from "../../../client/src/protocol/caps";
import type { RunIdentity } from "../../../client/src/protocol/certificate";
import type { StepPermit } from "../../../client/src/protocol/eip712";
import { sha256Hex } from "../../../client/src/protocol/jcs";
import { buildPolicyCapsule, expectedAudience } from "../../../client/src/protocol/policy";
import { encryptGenesisState } from "../../../client/src/protocol/stateBundle";
import {
  EvidenceFile,
  RunnerErrorCode,
  type RunStepOptions,
  evidenceFolder,
  permitDigestOf,
  runStep,
  stepEvidenceDir,
  writeGenesisState,
  writeStepAttestation,
} from "../../../client/src/runner";
import { expectCode } from "../chain/fixture";

const MAX_STATE_BYTES = 65_536;
const CHAIN_ID = 31337n;
const MARKET = getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3");
const GATEWAY = getAddress("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
const COMMIT = "30bace97d4fbcd657d31d2de06068ab14b491473";
const ENTITLEMENT = 7n;
const NOW = new Date("2026-01-01T00:00:00Z");
const clock = () => NOW;

const policy = buildPolicyCapsule({
  identity: {
    issuer: "https://issuer.test",
    audience: expectedAudience(CHAIN_ID, MARKET, GATEWAY),
    repository: "octo/steps",
    repositoryId: "1",
    jobWorkflowRef: "octo/steps/.github/workflows/step.yml",
    refs: ["refs/heads/main"],
    eventNames: ["workflow_dispatch"],
    runnerEnvironments: ["github-hosted"],
  },
  egress: { rules: [] },
  limits: { maxSeconds: "60", maxStateBytes: MAX_STATE_BYTES.toString() },
});

const run = (runId: bigint): RunIdentity => ({
  repository: "octo/steps",
  repositoryId: "1",
  runId,
  runAttempt: 1,
  jobWorkflowRef: "octo/steps/.github/workflows/step.yml@refs/heads/main",
  jobWorkflowSha: `0x${COMMIT}`,
  sha: `0x${COMMIT}`,
});

/** The step command: reads {counter}, writes {counter + 1}, a result and no next tokens. */
const COUNTER = `
const fs = require("fs");
const e = process.env;
const { counter } = JSON.parse(fs.readFileSync(e.SWARM_STATE_IN, "utf8"));
fs.writeFileSync(e.SWARM_STATE_OUT, JSON.stringify({ counter: counter + 1 }));
fs.writeFileSync(e.SWARM_RESULT_OUT, JSON.stringify({ counter: counter + 1 }));
fs.writeFileSync(e.SWARM_NEXT_TOKENS_OUT, "[]");
`;

const key = (): Hex => toHex(randomBytes(32));

/** A bundle double: names the certificate it attests by its digest. */
const bundleOf = (certificate: Uint8Array, tag = "test-double") => ({ mediaType: tag, digest: sha256Hex(certificate) });

describe("runner evidence: deferred attestation and writeStepAttestation", function () {
  this.timeout(60_000);
  let root: string;
  let workDir: string;
  const caps1: ReleasedCaps = { kv: 1, stateCapIn: key(), stateCapOut: key(), netCap: "a.b.c", expiresAt: 1n << 40n };
  const caps2: ReleasedCaps = { ...caps1, stateCapIn: caps1.stateCapOut, stateCapOut: key() };
  /** Bundles the input verifier was asked about. */
  const verified: unknown[] = [];

  function options(step: number, caps: ReleasedCaps, attest: RunStepOptions["attest"]): RunStepOptions {
    const permit: StepPermit = {
      entitlementId: ENTITLEMENT,
      step,
      fromStep: step - 1,
      runId: 100n + BigInt(step),
      runAttempt: 1,
      workerKey: key(),
      commit: `0x${COMMIT}`,
      policyHash: policy.policyHash,
      gateway: GATEWAY,
      deadline: 1n << 40n,
    };
    return {
      permit,
      permitDigest: permitDigestOf(permit, CHAIN_ID, MARKET),
      caps,
      market: { chainId: CHAIN_ID, address: MARKET },
      offerId: 1n,
      run: run(permit.runId),
      policy: policy.bytes,
      command: { argv: [process.execPath, "-e", COUNTER], stdio: "ignore" },
      input: evidenceFolder(root),
      evidenceDir: root,
      workDir,
      attest,
      verifyInputCertificate: async (certificate, bundle) => {
        verified.push(bundle);
        if ((bundle as { digest?: unknown }).digest !== sha256Hex(certificate)) throw new Error("not this certificate");
      },
      clock,
    };
  }

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), "swarm-evidence-"));
    workDir = await mkdtemp(path.join(tmpdir(), "swarm-work-"));
    const genesis = new TextEncoder().encode(JSON.stringify({ counter: 0 }));
    await writeGenesisState(
      root,
      ENTITLEMENT,
      await encryptGenesisState(genesis, caps1.stateCapIn, ENTITLEMENT, MAX_STATE_BYTES),
    );
  });

  after(async () => {
    if (root) await rm(root, { recursive: true, force: true });
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  let certificate1: Uint8Array;

  it("writes a deferred step's evidence whole, without certificate.sigstore.json", async () => {
    const done = await runStep(options(1, caps1, "deferred"));
    const dir = stepEvidenceDir(root, ENTITLEMENT, 1);
    expect(done.evidencePath).to.equal(dir);
    expect((await readdir(dir)).sort()).to.deep.equal([
      EvidenceFile.certificate,
      EvidenceFile.nextTokens,
      EvidenceFile.result,
      EvidenceFile.state,
    ]);
    certificate1 = new Uint8Array(await readFile(path.join(dir, EvidenceFile.certificate)));
    expect(Buffer.from(certificate1).equals(Buffer.from(done.bytes))).to.equal(true);
    expect(verified).to.deep.equal([]); // genesis: no certificate to verify
  });

  it("refuses to continue from a step whose deferred attestation was never added (INPUT_MISSING)", async () => {
    await expectCode(
      () => evidenceFolder(root).stepOutput(ENTITLEMENT, 1, MAX_STATE_BYTES),
      RunnerErrorCode.INPUT_MISSING,
    );
    await expectCode(() => runStep(options(2, caps2, "deferred")), RunnerErrorCode.INPUT_MISSING);
    expect(existsSync(stepEvidenceDir(root, ENTITLEMENT, 2))).to.equal(false);
  });

  it("adds the deferred attestation once, and refuses to replace it (EVIDENCE_EXISTS)", async () => {
    const bundle = bundleOf(certificate1);
    const file = await writeStepAttestation(root, ENTITLEMENT, 1, bundle);
    expect(file).to.equal(path.join(stepEvidenceDir(root, ENTITLEMENT, 1), EvidenceFile.attestation));
    expect(await readFile(file, "utf8")).to.equal(JSON.stringify(bundle));
    expect((await evidenceFolder(root).stepOutput(ENTITLEMENT, 1, MAX_STATE_BYTES)).attestation).to.deep.equal(bundle);

    await expectCode(
      () => writeStepAttestation(root, ENTITLEMENT, 1, bundleOf(certificate1, "another")),
      RunnerErrorCode.EVIDENCE_EXISTS,
    );
    expect(await readFile(file, "utf8")).to.equal(JSON.stringify(bundle));
  });

  it("continues from the attested step, and never replaces an attestation the runner wrote itself", async () => {
    const attested: Uint8Array[] = [];
    const done = await runStep(
      options(2, caps2, async (bytes) => {
        attested.push(bytes);
        return bundleOf(bytes);
      }),
    );
    expect(verified).to.deep.equal([bundleOf(certificate1)]);
    expect(attested).to.have.length(1);
    const file = path.join(done.evidencePath, EvidenceFile.attestation);
    const own = await readFile(file, "utf8");
    expect(own).to.equal(JSON.stringify(bundleOf(done.bytes)));
    await expectCode(
      () => writeStepAttestation(root, ENTITLEMENT, 2, bundleOf(done.bytes, "another")),
      RunnerErrorCode.EVIDENCE_EXISTS,
    );
    expect(await readFile(file, "utf8")).to.equal(own);
  });

  it("refuses to attest a step whose evidence folder does not exist, creating nothing (INPUT_MISSING)", async () => {
    await expectCode(
      () => writeStepAttestation(root, ENTITLEMENT, 3, bundleOf(certificate1)),
      RunnerErrorCode.INPUT_MISSING,
    );
    await expectCode(() => writeStepAttestation(root, 8n, 1, bundleOf(certificate1)), RunnerErrorCode.INPUT_MISSING);
    expect((await readdir(root)).sort()).to.deep.equal([ENTITLEMENT.toString()]);
    expect((await readdir(path.join(root, ENTITLEMENT.toString()))).sort()).to.deep.equal(["0", "1", "2"]);
  });

  it("refuses to attest the genesis folder, which holds no certificate (INPUT_MISSING)", async () => {
    const genesis = stepEvidenceDir(root, ENTITLEMENT, 0);
    await expectCode(
      () => writeStepAttestation(root, ENTITLEMENT, 0, bundleOf(certificate1)),
      RunnerErrorCode.INPUT_MISSING,
    );
    expect(await readdir(genesis)).to.deep.equal([EvidenceFile.state]);
  });
});
