import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";

import { VerifyCode, pinTrustRoots } from "../../../client/src/verify";
import { fixturesDir, readText } from "../../support/fixtures";
import { type LayerExpectation, fixtureBundle, rootInput, runLayers } from "./realBundles";

const SLSA = "https://slsa.dev/provenance/v1";
const ACTIONS = "https://token.actions.githubusercontent.com";

/** The conformance `_fail` cases and the code each must fail with (keyed and message-signature cases included). */
const CONFORMANCE_FAIL_CODES: Readonly<Record<string, string>> = {
  "bundle-empty-certificate-chain_fail": VerifyCode.REQUIRED_FIELD_MISSING,
  "bundle-from-wrong-instance_fail": VerifyCode.SIGNATURE_INVALID,
  "bundle-invalid-base64-signature_fail": VerifyCode.INCLUSION_INVALID,
  "bundle-malformed-json_fail": VerifyCode.BUNDLE_MALFORMED,
  "bundle-negative-log-index_fail": VerifyCode.INCLUSION_INVALID,
  "bundle-unknown-version_fail": VerifyCode.REQUIRED_FIELD_MISSING,
  "bundle-with-root-cert_fail": VerifyCode.BUNDLE_MALFORMED,
  "checkpoint-bad-keyhint_fail": VerifyCode.INCLUSION_INVALID,
  "checkpoint-wrong-roothash_fail": VerifyCode.INCLUSION_INVALID,
  "dsse-invalid-sig_fail": VerifyCode.INCLUSION_INVALID,
  "dsse-mismatch-envelope_fail": VerifyCode.INCLUSION_INVALID,
  "dsse-mismatch-sig_fail": VerifyCode.INCLUSION_INVALID,
  "inclusion-proof-corrupted-hash_fail": VerifyCode.INCLUSION_INVALID,
  "incorrect-public-key_fail": VerifyCode.INCLUSION_INVALID,
  "integrated-time-in-future_fail": VerifyCode.SIGNATURE_INVALID,
  "intoto-expired-certificate_fail": VerifyCode.SIGNATURE_INVALID,
  "intoto-log-entry-mismatch_fail": VerifyCode.INCLUSION_INVALID,
  "intoto-missing-inclusion-proof_fail": VerifyCode.REQUIRED_FIELD_MISSING,
  "intoto-set-outside-signing-cert-validity_fail": VerifyCode.SIGNATURE_INVALID,
  "intoto-tsa-timestamp-outside-cert-validity_fail": VerifyCode.SIGNATURE_INVALID,
  "invalid-checkpoint-signature_fail": VerifyCode.INCLUSION_INVALID,
  "invalid-ct-key_fail": VerifyCode.SIGNATURE_INVALID,
  "invalid-inclusion-proof_fail": VerifyCode.REQUIRED_FIELD_MISSING,
  "managed-key-no-key_fail": VerifyCode.SIGNATURE_INVALID,
  "managed-key-wrong-key_fail": VerifyCode.SIGNATURE_INVALID,
  "message-digest-mismatch_fail": VerifyCode.INCLUSION_INVALID,
  "rekor2-checkpoint-missing-log-signature_fail": VerifyCode.INCLUSION_INVALID,
  "rekor2-checkpoint-missing-origin_fail": VerifyCode.INCLUSION_INVALID,
  "rekor2-checkpoint-missing-root-hash_fail": VerifyCode.INCLUSION_INVALID,
  "rekor2-checkpoint-missing-size_fail": VerifyCode.INCLUSION_INVALID,
  "rekor2-checkpoint-no-matching-signature_fail": VerifyCode.INCLUSION_INVALID,
  "rekor2-dsse-invalid-sig_fail": VerifyCode.INCLUSION_INVALID,
  "rekor2-dsse-mismatch-envelope_fail": VerifyCode.INCLUSION_INVALID,
  "rekor2-dsse-mismatch-sig_fail": VerifyCode.INCLUSION_INVALID,
  "rekor2-no-inclusion-proof_fail": VerifyCode.REQUIRED_FIELD_MISSING,
  "rekor2-no-timestamp_fail": VerifyCode.TIMESTAMP_INVALID,
  "rekor2-timestamp-outside-trust-root-tsa-validity_fail": VerifyCode.TIMESTAMP_INVALID,
  "rekor2-timestamp-outside-tsa-cert-validity_fail": VerifyCode.TIMESTAMP_INVALID,
  "rekor2-timestamp-payload-mismatch_fail": VerifyCode.TIMESTAMP_INVALID,
  "rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail": VerifyCode.TIMESTAMP_INVALID,
  "rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail": VerifyCode.TIMESTAMP_INVALID,
  "rekor2-timestamp-with-incorrect-time_fail": VerifyCode.SIGNATURE_INVALID,
  "set-invalid-signature_fail": VerifyCode.INCLUSION_INVALID,
  "signature-mismatch_fail": VerifyCode.INCLUSION_INVALID,
  "trust-root-tlog-missing-validity-start_fail": "VERIFY_TRUST_CONFIG_INVALID",
  "wrong-hashedrekord-artifact_fail": VerifyCode.INCLUSION_INVALID,
  "wrong-hashedrekord-cert-and-sig_fail": VerifyCode.INCLUSION_INVALID,
  "wrong-hashedrekord-entry_fail": VerifyCode.INCLUSION_INVALID,
  "wrong-material_fail": VerifyCode.SIGNATURE_INVALID,
};

/** Pass cases @sigstore/verify 3.1 cannot verify: keyed bundles (no key is pinned) and Rekor v2 over DSSE. */
const UNSUPPORTED_PASS_CASES = ["managed-key-and-trusted-root", "managed-key-happy-path", "rekor2-dsse-happy-path"];

interface ConformanceCase {
  case: string;
  expect: "pass" | "fail";
  bundle: string;
  artifact: string;
  trustedRoot: string;
  identity: string;
  issuer: string;
}

describe("client/verify against real Sigstore and GitHub bundles (fixtures)", () => {
  let dir: string;
  before(function () {
    const found = fixturesDir();
    if (found === undefined) {
      console.log("      fixtures absent (SWARM_FIXTURES): real-bundle tests skipped");
      this.skip();
    }
    dir = found;
  });

  const github = () => [rootInput(dir, "sigstore/trusted-roots/github.json", "github")];
  const publicGood = () => [rootInput(dir, "sigstore/trusted-roots/public-good.json", "public-good")];
  const run = (file: string, e: LayerExpectation, line = 0) => runLayers(fixtureBundle(dir, file, line), e);
  const expectCode = (outcome: ReturnType<typeof runLayers>, code: string) => {
    expect(outcome.ok, JSON.stringify(outcome)).to.equal(false);
    if (!outcome.ok) expect(outcome.code, outcome.message).to.equal(code);
  };

  describe("GitHub's own instance (RFC 3161 timestamp, no tlog), under github.json", () => {
    const demo = "sigstore/cli-cli/github_provenance_demo-0.0.12-py3-none-any-bundle.jsonl";
    const demoIdentity = {
      san: "https://github.com/actions/attest-demo/.github/workflows/build-python.yml@refs/heads/main",
      issuer: ACTIONS,
    };
    const demoSubject = {
      algorithm: "sha256" as const,
      hex: "ae57936def59bc4c75edd3a837d89bcefc6d3a5e31d55a6fa7a71624f92c3c3b",
      only: false,
    };

    it("verifies the gh CLI's GitHub-instance bundle: TSA time, subject digest, SAN and issuer", () => {
      const outcome = run(demo, {
        roots: github(),
        predicateTypes: [SLSA],
        subject: demoSubject,
        identity: demoIdentity,
      });
      expect(outcome).to.deep.equal({ ok: true });
    });

    it("verifies the private-repository provenance bundle (2026, generation 5) and its repository extensions", () => {
      const outcome = run("sigstore/github-instance/private-repo-slsa-provenance.sigstore.json", {
        roots: github(),
        predicateTypes: [SLSA],
        subject: {
          algorithm: "sha256",
          hex: "caa015ef69e9bc31a41322d6c71563ed9600c75bb988e4d639b1edc578580551",
          only: false,
        },
        identity: {
          san: "https://github.com/neverendingsupport/slsa-attestations/.github/workflows/attest.yml@9f6d9dc1bfc02986955721eb15f89ad618f1cedb",
          issuer: ACTIONS,
          buildSignerDigest: "9f6d9dc1bfc02986955721eb15f89ad618f1cedb",
        },
      });
      expect(outcome).to.deep.equal({ ok: true });
    });

    it("verifies the immutable-release attestation (leaf issued by intermediate l1, SAN dotcom.releases)", () => {
      const outcome = run("sigstore/github-instance/jdx-communique-v0.1.9-release-attestation.sigstore.json", {
        roots: github(),
        predicateTypes: ["https://in-toto.io/attestation/release/v0.2"],
        subject: {
          algorithm: "sha256",
          hex: "76f1fe8593bf227cca2c089e3c16dc95014a8d3e89c5dd220530469ca043c428",
          only: false,
        },
      });
      expect(outcome).to.deep.equal({ ok: true });
    });

    it("is indeterminate, naming the missing root, when only the public-good root is pinned", () => {
      expectCode(run(demo, { roots: publicGood() }), "INDETERMINATE_TRUST_ROOT_MISSING");
    });

    it("is never valid under a policy requiring a tlog entry (indeterminate) or an SCT (FAILURE_SIGNATURE_INVALID)", () => {
      const tlog = {
        ...github()[0]!,
        kind: "custom" as const,
        thresholds: { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 },
      };
      expectCode(run(demo, { roots: [tlog] }), "INDETERMINATE_TRUST_ROOT_MISSING");
      const root = {
        ...github()[0]!,
        kind: "custom" as const,
        thresholds: { tlogThreshold: 0, ctlogThreshold: 1, timestampThreshold: 1 },
      };
      expectCode(run(demo, { roots: [root] }), VerifyCode.SIGNATURE_INVALID); // no SCT in GitHub's leaves
    });

    it("rejects another SAN, an issuer prefix and a wrong build signer digest: FAILURE_IDENTITY_MISMATCH / COMMIT", () => {
      const wrongSan = { ...demoIdentity, san: `${demoIdentity.san}x` };
      expectCode(run(demo, { roots: github(), identity: wrongSan }), VerifyCode.IDENTITY_MISMATCH);
      const prefix = { ...demoIdentity, issuer: "https://token.actions.githubusercontent.co" };
      expectCode(run(demo, { roots: github(), identity: prefix }), VerifyCode.IDENTITY_MISMATCH);
      const commit = { ...demoIdentity, buildSignerDigest: "0".repeat(40) };
      expectCode(run(demo, { roots: github(), identity: commit }), VerifyCode.COMMIT_MISMATCH);
    });

    it("rejects another subject digest and another predicate type", () => {
      const other = { ...demoSubject, hex: "0".repeat(64) };
      expectCode(run(demo, { roots: github(), subject: other }), VerifyCode.DIGEST_MISMATCH);
      expectCode(
        run(demo, { roots: github(), predicateTypes: ["https://swarm.dev/step-certificate/v1"] }),
        VerifyCode.SCHEMA_VERSION_UNSUPPORTED,
      );
    });

    it("rejects the gh CLI's broken bundles (no certificate, no verification material): FAILURE_REQUIRED_FIELD_MISSING", () => {
      for (const file of [
        "sigstore/cli-cli/github_provenance_demo-0.0.12-py3-none-any-bundle-missing-cert.jsonl",
        "sigstore/cli-cli/github_provenance_demo-0.0.12-py3-none-any-bundle-missing-verification-material.jsonl",
      ]) {
        expectCode(run(file, { roots: github() }), VerifyCode.REQUIRED_FIELD_MISSING);
      }
    });
  });

  describe("public-good Sigstore (tlog entry + SCT), under public-good.json", () => {
    it("verifies sigstore-js's npm provenance (v0.3, Rekor v1) with its sha512 subject", () => {
      const outcome = run("sigstore/cli-cli/sigstore-js-2.1.0-bundle.json", {
        roots: publicGood(),
        predicateTypes: [SLSA],
        subject: {
          algorithm: "sha512",
          hex: "90f223f992e4c88dd068cd2a5fc57f9d2b30798343dd6e38f29c240e04ba090ef831f84490847c4e82b9232c78e8a258463b1e55c0f7469f730265008fa6633f",
          only: true,
        },
        identity: {
          san: "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main",
          issuer: ACTIONS,
          sourceRepositoryUri: "https://github.com/sigstore/sigstore-js",
        },
      });
      expect(outcome).to.deep.equal({ ok: true });
    });

    it("compares issuers exactly: the custom (GHES-style) issuer passes, the plain one does not", () => {
      const file = "sigstore/cli-cli/custom-issuer.sigstore.json";
      const san = "https://github.com/too-legit/attest/.github/workflows/integration.yml@refs/heads/main";
      const subject = {
        algorithm: "sha256" as const,
        hex: "afa27b44d43b02a9fea41d13cedc2e4016cfcf87c5dbf990e593669aa8ce286d",
        only: false,
      };
      expect(
        run(file, { roots: publicGood(), subject, identity: { san, issuer: `${ACTIONS}/hammer-time` } }),
      ).to.deep.equal({ ok: true });
      expectCode(run(file, { roots: publicGood(), identity: { san, issuer: ACTIONS } }), VerifyCode.IDENTITY_MISMATCH);
    });

    it("checks a reusable workflow's signer and its calling repository separately", () => {
      const file = "sigstore/cli-cli/reusable-workflow-attestation.sigstore.json";
      const identity = {
        san: "https://github.com/github/artifact-attestations-workflows/.github/workflows/attest.yml@09b495c3f12c7881b3cc17209a327792065c1a1d",
        issuer: ACTIONS,
        sourceRepositoryUri: "https://github.com/malancas/attest-demo",
      };
      expect(run(file, { roots: publicGood(), identity })).to.deep.equal({ ok: true });
      expectCode(
        run(file, {
          roots: publicGood(),
          identity: {
            ...identity,
            san: "https://github.com/foo/bar/.github/workflows/attest.yml@09b495c3f12c7881b3cc17209a327792065c1a1d",
          },
        }),
        VerifyCode.IDENTITY_MISMATCH,
      );
      expectCode(
        run(file, {
          roots: publicGood(),
          identity: { ...identity, sourceRepositoryUri: "https://github.com/malancas/other" },
        }),
        VerifyCode.IDENTITY_MISMATCH,
      );
    });

    it("verifies the conda publish attestation (DSSE, Rekor v1)", () => {
      const outcome = run("sigstore/public-good/conda-attestation.sigstore.json", {
        roots: publicGood(),
        subject: {
          algorithm: "sha256",
          hex: "54303491a8418fbed24344b513546182c29b43bf282ceb433af65e2299f9271f",
          only: false,
        },
        identity: {
          san: "https://github.com/prefix-dev/sigstore-example/.github/workflows/action.yaml@refs/heads/main",
          issuer: ACTIONS,
        },
      });
      expect(outcome).to.deep.equal({ ok: true });
    });

    it("rejects a staging bundle under the production root: FAILURE_TIMESTAMP_INVALID", () => {
      expectCode(
        run("sigstore/staging/conda-attestation-rekor2.sigstore.json", { roots: publicGood() }),
        VerifyCode.TIMESTAMP_INVALID,
      );
    });

    it("refuses bundle versions before v0.3 and a two-signature envelope: FAILURE_SCHEMA_VERSION_UNSUPPORTED", () => {
      for (const file of [
        "sigstore/cli-cli/sigstore-js-2.1.0-bundle-v0.1.json",
        "sigstore/public-good/dsse-2sigs.sigstore.json",
        "sigstore/public-good/sigstore.js@2.0.0-provenance.sigstore.json",
      ]) {
        expectCode(run(file, { roots: publicGood() }), VerifyCode.SCHEMA_VERSION_UNSUPPORTED);
      }
    });

    it("rejects the gh CLI's invalid-signature bundle", () => {
      const outcome = run("sigstore/cli-cli/sigstoreBundle-invalid-signature.json", {
        roots: publicGood(),
        profile: { kind: "any" },
      });
      expect(outcome.ok).to.equal(false);
    });
  });

  describe("the sigstore-conformance bundle-verify suite", () => {
    const cases = (): ConformanceCase[] =>
      JSON.parse(readFileSync(path.join(dir, "expectations.json"), "utf8")).sigstore.conformance;

    const outcomeOf = (c: ConformanceCase) => {
      let bundle: unknown;
      try {
        bundle = JSON.parse(readText(dir, c.bundle));
      } catch {
        return { ok: false as const, code: VerifyCode.BUNDLE_MALFORMED, message: "not JSON" };
      }
      const rootFile = c.trustedRoot.split(" ")[0]!;
      const root = {
        ...rootInput(dir, rootFile, "custom"),
        thresholds: { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 },
      };
      try {
        pinTrustRoots([root]);
      } catch (err) {
        return { ok: false as const, code: (err as { code: string }).code, message: String(err) };
      }
      const artifact = readFileSync(path.join(dir, c.artifact));
      return runLayers(bundle, {
        roots: [root],
        profile: { kind: "any", artifact },
        identity: { san: c.identity, issuer: c.issuer },
      });
    };

    it("fails every _fail case with its code", () => {
      const failing = cases().filter((c) => c.expect === "fail");
      expect(failing.length).to.equal(Object.keys(CONFORMANCE_FAIL_CODES).length);
      for (const c of failing) {
        const outcome = outcomeOf(c);
        expect(outcome.ok, c.case).to.equal(false);
        if (!outcome.ok) expect(outcome.code, `${c.case}: ${outcome.message}`).to.equal(CONFORMANCE_FAIL_CODES[c.case]);
      }
      console.log(`      ${failing.length} conformance _fail cases rejected with their codes`);
    });

    it("passes every pass case @sigstore/verify supports (keyless), and names the ones it does not", () => {
      const passing = cases().filter((c) => c.expect === "pass");
      for (const c of passing) {
        const outcome = outcomeOf(c);
        expect(outcome.ok, `${c.case}: ${JSON.stringify(outcome)}`).to.equal(!UNSUPPORTED_PASS_CASES.includes(c.case));
      }
      console.log(
        `      ${passing.length - UNSUPPORTED_PASS_CASES.length}/${passing.length} conformance pass cases verified`,
      );
    });

    it("verifies the in-toto DSSE v0.3 happy path under the step verifier's own profile", () => {
      const c = cases().find((x) => x.case === "happy-path-intoto-in-dsse-v3")!;
      const outcome = runLayers(JSON.parse(readText(dir, c.bundle)), {
        roots: publicGood(),
        identity: { san: c.identity, issuer: c.issuer },
      });
      expect(outcome).to.deep.equal({ ok: true });
    });
  });
});
