import { expect } from "chai";

import { canonicalJson } from "../../../client/src/protocol/jcs";
import {
  type ChainFacts,
  type StepReport,
  pinTrustRoots,
  policyStoreOf,
  readRunEvidence,
  recordChainFacts,
  verifyRun,
  verifyStep,
} from "../../../client/src/verify";
import { type ChainWorld, type StepFiles, startChainWorld } from "./chainWorld";

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe("client/verify verifyStep and verifyRun: devnet-signed bundles on a real local chain", function () {
  this.timeout(180_000);
  let w: ChainWorld;
  let id: bigint;
  let steps: StepFiles[];
  let facts: ChainFacts;

  before(async () => {
    w = await startChainWorld();
    id = await w.buy(4);
    // 1 from genesis (TSA, GitHub style), 2 from 1 (Rekor, public-good style), 3 from 1 (a branch), 4 from 3.
    steps = [
      await w.runStep(id, 1, 0, "tsa"),
      await w.runStep(id, 2, 1, "tlog"),
      await w.runStep(id, 3, 1, "tsa"),
      await w.runStep(id, 4, 3, "tsa"),
    ];
    facts = await w.facts(id);
  });
  after(() => w?.stop());

  const ref = (step: number) => ({ chainId: w.chainId, market: w.market, entitlementId: id, step });
  const verify = (step: number, files: StepFiles, extra: { from?: number; facts?: ChainFacts | undefined } = {}) =>
    verifyStep(
      w.config,
      ref(step),
      {
        files,
        ...(extra.from === undefined ? {} : { fromCertificate: steps[extra.from - 1]!["certificate.json"]! }),
      },
      "facts" in extra ? extra.facts : facts,
    );
  const failedCode = (r: StepReport) => r.checks.find((c) => c.status === "failed")?.code;

  it("verifies a GitHub-style step from genesis as valid, every check passed, and states its attestation", () => {
    const v = verify(1, steps[0]!);
    expect(v.report.result, JSON.stringify(v.report.checks)).to.equal("valid");
    expect(v.report.checks.filter((c) => c.status !== "passed").map((c) => c.name)).to.deep.equal([
      "continuity.genesis",
    ]);
    expect(v.attestation).to.include({ step: 1, entitlementId: id, certificateHash: v.certificateHash });
    expect(v.attestation!.prevCertificateHash).to.equal(`0x${"0".repeat(64)}`);
    expect(v.attestation!.permitDigest).to.equal(facts.consumed.get(1)!.permitDigest.toLowerCase());
  });

  it("verifies a public-good-style (Rekor) step continuing from step 1, with prevCertificateHash", () => {
    const v = verify(2, steps[1]!, { from: 1 });
    expect(v.report.result, JSON.stringify(v.report.checks)).to.equal("valid");
    expect(v.attestation!.prevCertificateHash).to.equal(verify(1, steps[0]!).certificateHash);
  });

  it("verifies the whole run (with a branch) in order from the evidence folder: valid", async () => {
    const evidence = await readRunEvidence(w.evidenceDir, id);
    const run = verifyRun(w.config, { chainId: w.chainId, market: w.market, entitlementId: id }, evidence, facts);
    expect(run.report.result, JSON.stringify(run.report.steps.map((s) => [s.step, s.code]))).to.equal("valid");
    expect(run.report.steps.map((s) => s.step)).to.deep.equal([1, 2, 3, 4]);
    expect(run.report.steps.every((s) => s.checks.every((c) => c.status !== "failed"))).to.equal(true);
  });

  it("rejects a step whose fromStep certificate is another step's: FAILURE_CONTINUITY_BROKEN", () => {
    const v = verify(4, steps[3]!, { from: 1 });
    expect(v.report.result).to.equal("invalid");
    expect(failedCode(v.report)).to.equal("FAILURE_CONTINUITY_BROKEN");
    expect(v.attestation).to.equal(undefined);
  });

  it("rejects a step continuing from a step without its fromStep certificate: FAILURE_REQUIRED_FIELD_MISSING", () => {
    expect(failedCode(verify(2, steps[1]!).report)).to.equal("FAILURE_REQUIRED_FIELD_MISSING");
  });

  it("rejects step 1's evidence presented as step 3 (another consumed permit): FAILURE_PERMIT_MISMATCH", () => {
    const v = verifyStep(w.config, ref(3), { files: steps[0]! }, facts);
    expect(v.report.result).to.equal("invalid");
    expect(failedCode(v.report)).to.equal("FAILURE_PERMIT_MISMATCH");
  });

  it("rejects a step with a missing output file: FAILURE_REQUIRED_FIELD_MISSING, and a swapped one: FAILURE_HASH_MISMATCH", () => {
    const missing = { ...steps[0]! };
    delete missing["result.jwe"];
    expect(failedCode(verify(1, missing).report)).to.equal("FAILURE_REQUIRED_FIELD_MISSING");
    const swapped = { ...steps[0]!, "result.jwe": steps[2]!["result.jwe"]! };
    expect(failedCode(verify(1, swapped).report)).to.equal("FAILURE_HASH_MISMATCH");
  });

  it("rejects another step's Sigstore bundle: FAILURE_DIGEST_MISMATCH", () => {
    const other = { ...steps[0]!, "certificate.sigstore.json": steps[2]!["certificate.sigstore.json"]! };
    expect(failedCode(verify(1, other).report)).to.equal("FAILURE_DIGEST_MISMATCH");
  });

  it("is indeterminate, naming the missing root, with no trusted root pinned (never valid by default)", () => {
    const bare = { ...w.config, trust: pinTrustRoots([]) };
    const v = verifyStep(bare, ref(1), { files: steps[0]! }, facts);
    expect(v.report.result).to.equal("indeterminate");
    expect(v.report.code).to.equal("INDETERMINATE_TRUST_ROOT_MISSING");
    expect(v.report.missing.join()).to.match(/RFC 3161/);
    expect(v.attestation).to.equal(undefined);
  });

  it("is indeterminate without the offer's policy capsule, and without any chain facts", () => {
    const noPolicy = verifyStep({ ...w.config, policies: policyStoreOf([]) }, ref(1), { files: steps[0]! }, facts);
    expect(noPolicy.report).to.include({ result: "indeterminate", code: "INDETERMINATE_POLICY_CAPSULE_MISSING" });
    const noChain = verify(1, steps[0]!, { facts: undefined });
    expect(noChain.report).to.include({ result: "indeterminate", code: "INDETERMINATE_CHAIN_FACTS_MISSING" });
  });

  it("accepts the capsule from the evidence's policy.json, and rejects one of another hash: FAILURE_POLICY_MISMATCH", () => {
    const cfg = { ...w.config, policies: policyStoreOf([]) };
    const withPolicy = { ...steps[0]!, "policy.json": w.stack.policy.bytes };
    expect(verifyStep(cfg, ref(1), { files: withPolicy }, facts).report.result).to.equal("valid");
    const capsule = JSON.parse(Buffer.from(w.stack.policy.bytes).toString("utf8"));
    capsule.limits.maxSeconds = "601";
    const other = { ...steps[0]!, "policy.json": new TextEncoder().encode(canonicalJson(capsule)) };
    expect(failedCode(verifyStep(cfg, ref(1), { files: other }, facts).report)).to.equal("FAILURE_POLICY_MISMATCH");
  });

  it("with recorded chain facts (chain.json): valid with the chain layer unchecked; indeterminate if RPC is required", () => {
    const files = { ...steps[0]!, "chain.json": enc(recordChainFacts(facts, 1)) };
    const v = verifyStep(w.config, ref(1), { files });
    expect(v.report.result).to.equal("valid");
    expect(v.chainSource).to.equal("recorded");
    expect(v.report.checks.find((c) => c.name === "chain.confirmed")).to.include({ status: "unchecked" });
    const strict = verifyStep({ ...w.config, requireRpcChainFacts: true }, ref(1), { files });
    expect(strict.report).to.include({ result: "indeterminate", code: "UNCHECKED_CHAIN_FACTS_RECORDED" });
  });

  it("rejects recorded chain facts naming another permit: FAILURE_PERMIT_MISMATCH", () => {
    const recorded = recordChainFacts(facts, 1);
    recorded.consumed.permitDigest = `0x${"1".repeat(64)}`;
    const v = verifyStep(w.config, ref(1), { files: { ...steps[0]!, "chain.json": enc(recorded) } });
    expect(failedCode(v.report)).to.equal("FAILURE_PERMIT_MISMATCH");
  });

  it("rejects a run whose step 2 evidence is missing: invalid at step 2, step 1 still valid", async () => {
    const evidence = await readRunEvidence(w.evidenceDir, id);
    const partial = new Map(evidence.steps);
    partial.delete(2);
    const run = verifyRun(
      w.config,
      { chainId: w.chainId, market: w.market, entitlementId: id },
      { steps: partial },
      facts,
    );
    expect(run.report.result).to.equal("invalid");
    expect(run.report.steps.map((s) => s.result)).to.deep.equal(["valid", "invalid", "valid", "valid"]);
  });
});
