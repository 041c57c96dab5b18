import { readFileSync } from "node:fs";
import path from "node:path";
import { X509Certificate } from "@sigstore/core";
import { expect } from "chai";

import { FULCIO_LEGACY_OIDS, FULCIO_OIDS, derUtf8String } from "../../../client/src/attest";
import { fixturesDir } from "../../support/fixtures";
import { type SigstoreWorld, leafOf, postSigningCert, startSigstoreWorld } from "./sigstoreWorld";

/** The CT precertificate SCT extension: public-good Fulcio adds it; GitHub's instance and the devnet do not. */
const SCT_OID = "1.3.6.1.4.1.11129.2.4.2";
const SKI = "2.5.29.14";
const AKI = "2.5.29.35";

/** Real GitHub Actions signing certificates: GitHub's own instance and public-good, direct and reusable workflows. */
const FIXTURES = [
  { bundle: "sigstore/github-instance/private-repo-slsa-provenance.sigstore.json", note: "GitHub instance, 2026" },
  { bundle: "sigstore/cli-cli/github_provenance_demo-0.0.12-py3-none-any-bundle.jsonl", note: "GitHub instance, 2024" },
  { bundle: "sigstore/cli-cli/reusable-workflow-attestation.sigstore.json", note: "public-good, reusable workflow" },
  { bundle: "sigstore/public-good/bundle_v3_github.whl.sigstore.json", note: "public-good, release from a tag" },
] as const;

interface Extension {
  oid: string;
  critical: boolean;
  /** The extnValue OCTET STRING's content. */
  value: Buffer;
}

function extensionsOf(der: Buffer<ArrayBuffer>): Extension[] {
  return X509Certificate.parse(der).extensions.map((ext) => ({
    oid: ext.subs[0]!.toOID(),
    critical: ext.subs.length === 3 && ext.subs[1]!.toBoolean(),
    value: Buffer.from(ext.subs[ext.subs.length - 1]!.value),
  }));
}

function leafOfBundle(dir: string, file: string): Buffer<ArrayBuffer> {
  const text = readFileSync(path.join(dir, file), "utf8").trim();
  const bundle = JSON.parse(file.endsWith(".jsonl") ? text.split("\n")[0]! : text) as {
    verificationMaterial: {
      certificate?: { rawBytes: string };
      x509CertificateChain?: { certificates: { rawBytes: string }[] };
    };
  };
  const material = bundle.verificationMaterial;
  const raw = material.certificate?.rawBytes ?? material.x509CertificateChain!.certificates[0]!.rawBytes;
  return Buffer.from(raw, "base64");
}

/** The token claims that, through Fulcio's GitHub mapping, yield this certificate's values. */
function claimsBehind(extensions: Extension[], san: string): Record<string, string> {
  const text = (oid: string) => {
    const ext = extensions.find((e) => e.oid === oid);
    if (ext === undefined) return undefined;
    return ext.value.subarray(ext.value[1]! < 0x80 ? 2 : 2 + (ext.value[1]! & 0x7f)).toString("utf8");
  };
  const after = (oid: string, prefix: string) => text(oid)!.slice(prefix.length);
  const o = FULCIO_OIDS;
  const repository = after(o.sourceRepositoryUri, "https://github.com/");
  const ref = text(o.sourceRepositoryRef)!;
  const [, runId, runAttempt] = /\/actions\/runs\/(\d+)\/attempts\/(\d+)$/.exec(text(o.runInvocationUri)!)!;
  const legacyWorkflow = extensions.find((e) => e.oid === FULCIO_LEGACY_OIDS.githubWorkflowName)!.value;
  return {
    sub: text(o.tokenSubject) ?? `repo:${repository}:ref:${ref}`,
    repository,
    repository_id: text(o.sourceRepositoryIdentifier)!,
    repository_owner: after(o.sourceRepositoryOwnerUri, "https://github.com/"),
    repository_owner_id: text(o.sourceRepositoryOwnerIdentifier)!,
    repository_visibility: text(o.sourceRepositoryVisibility)!,
    ref,
    sha: text(o.sourceRepositoryDigest)!,
    workflow: legacyWorkflow.toString("utf8"),
    workflow_ref: after(o.buildConfigUri, "https://github.com/"),
    workflow_sha: text(o.buildConfigDigest)!,
    job_workflow_ref: san.slice("https://github.com/".length),
    job_workflow_sha: text(o.buildSignerDigest)!,
    event_name: text(o.buildTrigger)!,
    run_id: runId!,
    run_attempt: runAttempt!,
    runner_environment: text(o.runnerEnvironment)!,
  };
}

describe("devnet/sigstore Fulcio extensions, against real GitHub Actions certificates", function () {
  const dir = fixturesDir();
  let world: SigstoreWorld;
  before(async function () {
    if (dir === undefined) {
      console.log("      (skipped: no fixtures folder; set SWARM_FIXTURES to the shared fixtures)");
      this.skip();
    }
    world = await startSigstoreWorld();
  });
  after(() => world?.stop());

  for (const fixture of FIXTURES) {
    describe(fixture.note, () => {
      let real: Extension[];
      let ours: Extension[];
      let realSan: string;
      let oursSan: string | undefined;

      before(async () => {
        const der = leafOfBundle(dir!, fixture.bundle);
        real = extensionsOf(der);
        realSan = X509Certificate.parse(der).subjectAltName!;
        const token = world.token(claimsBehind(real, realSan));
        const leaf = await leafOf(await postSigningCert(world.sigstore.fulcioUrl, token));
        ours = extensionsOf(leaf);
        oursSan = X509Certificate.parse(leaf).subjectAltName;
      });

      it("carries the same extensions in the same order and criticality (plus .1.24 where the fixture predates it)", () => {
        const realOids = real.filter((e) => e.oid !== SCT_OID).map((e) => `${e.oid}${e.critical ? "!" : ""}`);
        const oursOids = ours.map((e) => `${e.oid}${e.critical ? "!" : ""}`);
        const expected = realOids.includes(FULCIO_OIDS.tokenSubject)
          ? realOids
          : [...realOids, FULCIO_OIDS.tokenSubject];
        expect(oursOids).to.deep.equal(expected);
      });

      it("encodes every value byte for byte as the real certificate does, the issuer aside", () => {
        const issuerOids: string[] = [FULCIO_LEGACY_OIDS.issuer, FULCIO_OIDS.issuer];
        for (const e of real) {
          if (e.oid === SCT_OID || e.oid === SKI || e.oid === AKI || issuerOids.includes(e.oid)) continue;
          const mine = ours.find((o) => o.oid === e.oid)!;
          expect(mine.value.toString("hex"), e.oid).to.equal(e.value.toString("hex"));
        }
        expect(oursSan).to.equal(realSan);
      });

      it("writes the issuer as the real one does: raw bytes in .1.1, a DER UTF8String in .1.8", () => {
        const realIssuer = real.find((e) => e.oid === FULCIO_LEGACY_OIDS.issuer)!.value.toString("utf8");
        expect(real.find((e) => e.oid === FULCIO_OIDS.issuer)!.value).to.deep.equal(derUtf8String(realIssuer));
        const devIssuer = world.issuer.issuer;
        expect(ours.find((e) => e.oid === FULCIO_LEGACY_OIDS.issuer)!.value.toString("utf8")).to.equal(devIssuer);
        expect(ours.find((e) => e.oid === FULCIO_OIDS.issuer)!.value).to.deep.equal(derUtf8String(devIssuer));
      });
    });
  }

  it("adds .1.23 (deployment environment) only for a job that names an environment", async () => {
    const withEnv = world.token({}, { environment: "production" });
    const leaf = extensionsOf(await leafOf(await postSigningCert(world.sigstore.fulcioUrl, withEnv)));
    const env = leaf.find((e) => e.oid === FULCIO_OIDS.deploymentEnvironment);
    expect(env?.value).to.deep.equal(derUtf8String("production"));
    expect(leaf.find((e) => e.oid === FULCIO_OIDS.tokenSubject)?.value).to.deep.equal(
      derUtf8String("repo:octo-org/octo-repo:environment:production"),
    );
  });
});
