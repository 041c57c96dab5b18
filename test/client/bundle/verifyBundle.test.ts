import { expect } from "chai";
import { buildManifest, verifyBundle } from "../../../client/src/bundle";
import { claimDigestLine, claimEnvelopeBytes, signClaim } from "../../../client/src/bundle/claimEnvelope";
import { canonicalJson } from "../../../client/src/protocol/jcs";
import type { BundlePins, BundleReport } from "../../../client/src/bundle";
import {
  attacker,
  bundleFiles,
  NOW,
  clock,
  fullInputs,
  fullPins,
  ledgerLines,
  localTsa,
  logKey,
  org,
  partialInputs,
  writeTemp,
} from "./support/fullBundle";

async function verifyFiles(files: Map<string, Buffer>, pins: BundlePins = fullPins()): Promise<BundleReport> {
  const { dir, cleanup } = await writeTemp(files);
  try {
    return await verifyBundle(dir, { clock, pins });
  } finally {
    await cleanup();
  }
}

describe("bundle/verifyBundle", () => {
  let lines: Buffer[];
  before(async () => {
    lines = await ledgerLines(12);
  });

  it("verifies a full bundle as valid and witnessed with the issuer pinned", async () => {
    const report = await verifyFiles(await bundleFiles(fullInputs(lines)));
    expect(
      report.checks.filter((c) => c.status === "failed"),
      JSON.stringify(report.checks),
    ).to.deep.equal([]);
    expect(report.status).to.equal("valid");
    expect(report.strength).to.equal("witnessed");
    expect(report.partial).to.equal(false);
    expect(report.issuer.pinned).to.equal(true);
    expect(report.receipts).to.deep.equal({ firstSeq: "0", lastSeq: "11", count: 12 });
    expect(report.checks.find((c) => c.name === "anchor")?.status).to.equal("unchecked");
  });

  it("verifies a full bundle with a timestamp from the local TSA as valid, the timestamp checked", async () => {
    const tsa = await localTsa();
    const report = await verifyFiles(
      await bundleFiles(fullInputs(lines, { timestamp: tsa })),
      fullPins(tsa.tsaChainPem),
    );
    expect(report.status, JSON.stringify(report.checks)).to.equal("valid");
    expect(report.strength).to.equal("witnessed");
    expect(report.checks.find((c) => c.name === "timestamp")?.status).to.equal("passed");
  });

  it("reports a timestamped bundle without a log as timestamped", async () => {
    const inputs = fullInputs(lines, { timestamp: await localTsa() });
    const { subject, signer, clock: c, receipts, timestamp } = inputs;
    const report = await verifyFiles(
      await bundleFiles({ subject, signer, clock: c, receipts, timestamp: timestamp! }),
      // No witness policy pinned: a pinned policy makes the witness layer required.
      { issuerKey: org.publicKey, tsaChainPem: timestamp!.tsaChainPem },
    );
    expect(report.status, JSON.stringify(report.checks)).to.equal("valid");
    expect(report.strength).to.equal("timestamped");
  });

  it("caps an unpinned bundle at indeterminate and says whose claim it checked", async () => {
    const report = await verifyFiles(await bundleFiles(fullInputs(lines)), {});
    expect(report.status).to.equal("indeterminate");
    expect(report.code).to.equal("TRUST_ISSUER_UNPINNED");
    expect(report.issuer.pinned).to.equal(false);
    expect(report.issuer.keyid).to.match(/^0x[0-9a-f]{64}$/);
  });

  it("reports a receipt subset with inclusion proofs as a valid but partial bundle", async () => {
    const report = await verifyFiles(await bundleFiles(partialInputs(lines, 3, 8)));
    expect(report.status, JSON.stringify(report.checks)).to.equal("valid");
    expect(report.partial).to.equal(true);
    expect(report.strength).to.equal("witnessed");
    expect(report.receipts).to.deep.equal({ firstSeq: "3", lastSeq: "7", count: 5 });
  });

  it("rejects a claim, signed by the pinned issuer, that calls a receipt subset the whole log", async () => {
    const files = await bundleFiles(partialInputs(lines, 0, 8));
    const claim = JSON.parse(files.get("CLAIM.json")!.toString()) as { receipts: { partial: boolean } };
    claim.receipts.partial = false;
    const bytes = Buffer.from(canonicalJson(claim));
    const envelope = claimEnvelopeBytes(signClaim(bytes, org));
    files.set("CLAIM.json", bytes);
    files.set("CLAIM.dsse.json", envelope);
    files.set("CLAIM.dsse.sha256", Buffer.from(claimDigestLine(envelope)));
    files.delete("CLAIM.intoto.json");
    files.set("MANIFEST.json", Buffer.from(JSON.stringify(buildManifest(files))));
    const report = await verifyFiles(files);
    expect(report.status).to.equal("invalid");
    expect(report.checks.find((c) => c.name === "inclusion")?.code).to.equal("FAILURE_INCLUSION_INVALID");
  });

  it("lowers the strength to signed when no undeclared layer is present", async () => {
    const inputs = fullInputs(lines);
    const signedOnly = {
      subject: inputs.subject,
      signer: inputs.signer,
      clock: inputs.clock,
      receipts: inputs.receipts,
    };
    const report = await verifyFiles(await bundleFiles(signedOnly), { issuerKey: org.publicKey });
    expect(report.status, JSON.stringify(report.checks)).to.equal("valid");
    expect(report.strength).to.equal("signed");
  });

  it("is indeterminate when a declared layer's trust material is missing from the bundle", async () => {
    const files = await bundleFiles(fullInputs(lines));
    files.delete("trust/log-pubkey.pem");
    files.set("MANIFEST.json", Buffer.from(JSON.stringify(buildManifest(files))));
    const report = await verifyFiles(files);
    expect(report.status).to.equal("indeterminate");
    expect(report.checks.find((c) => c.name === "checkpoint")?.code).to.equal("TRUST_MATERIAL_MISSING");
  });

  it("is indeterminate, never valid, when the claim declares a timestamp and no TSA chain is pinned", async () => {
    // The bundle ships the TSA's chain in trust/ (bound by the signed claim): that is not a pin.
    const files = await bundleFiles(fullInputs(lines, { timestamp: await localTsa() }));
    expect(files.has("trust/tsa-cert-chain.pem")).to.equal(true);
    const report = await verifyFiles(files);
    expect(report.status, JSON.stringify(report.checks)).to.equal("indeterminate");
    expect(report.code).to.equal("TRUST_MATERIAL_MISSING");
    expect(report.checks.find((c) => c.name === "timestamp")).to.include({
      status: "indeterminate",
      code: "TRUST_MATERIAL_MISSING",
    });
  });

  it("is indeterminate, never valid, when the claim declares witnesses and no witness policy is pinned", async () => {
    // trust/witnesses.txt and the claim's witnessThreshold name the witnesses: not a pinned policy.
    const files = await bundleFiles(fullInputs(lines));
    expect(files.has("trust/witnesses.txt")).to.equal(true);
    const report = await verifyFiles(files, { issuerKey: org.publicKey });
    expect(report.status, JSON.stringify(report.checks)).to.equal("indeterminate");
    expect(report.code).to.equal("TRUST_MATERIAL_MISSING");
    expect(report.checks.find((c) => c.name === "witnesses")).to.include({
      status: "indeterminate",
      code: "TRUST_MATERIAL_MISSING",
    });
    expect(report.strength).to.equal("published");
  });

  it("accepts a claim issued up to 60 s after the timestamp's genTime (clock skew)", async () => {
    const tsa = await localTsa(() => NOW);
    const skewed = () => new Date(NOW.getTime() + 60_000);
    const report = await verifyFiles(
      await bundleFiles(fullInputs(lines, { timestamp: tsa, clock: skewed })),
      fullPins(tsa.tsaChainPem),
    );
    expect(report.status, JSON.stringify(report.checks)).to.equal("valid");
    expect(report.checks.find((c) => c.name === "timestamp")?.detail).to.include(NOW.toISOString());
  });

  it("rejects a claim issued after the timestamp's genTime (+60 s): the token predates the claim", async () => {
    const tsa = await localTsa(() => NOW);
    const late = () => new Date(NOW.getTime() + 61_000);
    const report = await verifyFiles(
      await bundleFiles(fullInputs(lines, { timestamp: tsa, clock: late })),
      fullPins(tsa.tsaChainPem),
    );
    expect(report.status).to.equal("invalid");
    const check = report.checks.find((c) => c.name === "timestamp");
    expect(check?.code).to.equal("FAILURE_TIMESTAMP_INVALID");
    expect(check?.detail).to.include(`genTime ${NOW.toISOString()}`);
  });

  it("reports a run's bundle with its run id, and rejects a run claim without one", async () => {
    const inputs = fullInputs(lines);
    const run = { ...inputs.subject, kind: "run" as const, runId: "27476101517" };
    const report = await verifyFiles(await bundleFiles({ ...inputs, subject: run }));
    expect(report.status, JSON.stringify(report.checks)).to.equal("valid");
    expect(report.subject).to.include({ kind: "run", runId: "27476101517", entitlementId: "7" });
    const files = await bundleFiles({ ...inputs, subject: { ...inputs.subject, kind: "run" } });
    const bad = await verifyFiles(files);
    expect(bad.status).to.equal("invalid");
    expect(bad.checks.find((c) => c.name === "claim")?.code).to.equal("FAILURE_REQUIRED_FIELD_MISSING");
  });

  it("is indeterminate when the auditor pins a witness policy and the bundle has no witnessed checkpoint", async () => {
    const inputs = fullInputs(lines);
    const signedOnly = {
      subject: inputs.subject,
      signer: inputs.signer,
      clock: inputs.clock,
      receipts: inputs.receipts,
    };
    const report = await verifyFiles(await bundleFiles(signedOnly));
    expect(report.status).to.equal("indeterminate");
    expect(report.checks.find((c) => c.name === "witnesses")?.code).to.equal("TRUST_MATERIAL_MISSING");
  });

  it("uses a pinned log key instead of the one in trust/", async () => {
    const files = await bundleFiles(fullInputs(lines));
    const { dir, cleanup } = await writeTemp(files);
    try {
      const ok = await verifyBundle(dir, { clock, pins: { ...fullPins(), logKey: logKey.publicKey } });
      expect(ok.status).to.equal("valid");
      const wrong = await verifyBundle(dir, { clock, pins: { ...fullPins(), logKey: attacker.publicKey } });
      expect(wrong.status).to.equal("invalid");
      expect(wrong.checks.find((c) => c.name === "checkpoint")?.code).to.equal("FAILURE_SIGNATURE_INVALID");
    } finally {
      await cleanup();
    }
  });
});
