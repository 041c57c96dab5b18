import { expect } from "chai";

import { ATTEST_CODES, attestCertificate, buildStepStatement } from "../../../client/src/attest";
import { canonicalJson, sha256Hex } from "../../../client/src/protocol/jcs";
import { type AttestedWorld, clone, startAttestedWorld } from "../../devnet/sigstore/attestedWorld";
import {
  DEFAULT_COMMIT,
  DEFAULT_SAN,
  certificateBytes,
  expectProtocolError,
} from "../../devnet/sigstore/sigstoreWorld";

describe("client/attest verifyAttestationBundle", () => {
  let w: AttestedWorld;
  before(async () => {
    w = await startAttestedWorld();
  });
  after(() => w.stop());

  const kinds = () =>
    [
      ["GitHub-style (TSA)", w.tsaBundle],
      ["public-good-style (Rekor)", w.tlogBundle],
    ] as const;

  describe("valid bundles", () => {
    for (const [name, index] of [
      ["GitHub-style (TSA)", 0],
      ["public-good-style (Rekor)", 1],
    ] as const) {
      it(`verifies a ${name} bundle offline and returns its statement`, () => {
        const result = w.verify(kinds()[index][1]);
        expect(result.statement.predicate).to.deep.equal({
          chainId: "31337",
          market: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
          entitlementId: "7",
          step: "1",
        });
        expect(result.statement.subject[0].digest.sha256).to.equal(w.digest.slice(2));
        expect(result.signer).to.deep.equal({ san: DEFAULT_SAN, issuer: w.issuer.issuer });
      });
    }

    it("accepts the expected digest with or without 0x, and pinned Fulcio extensions that hold", () => {
      const extensions = {
        buildSignerDigest: DEFAULT_COMMIT,
        sourceRepositoryIdentifier: "632596897",
        runInvocationUri: "https://github.com/octo-org/octo-repo/actions/runs/27476101517/attempts/1",
        runnerEnvironment: "github-hosted",
      };
      expect(() => w.verify(w.tsaBundle, { expectedDigest: w.digest.slice(2) })).to.not.throw();
      expect(() =>
        w.verify(w.tsaBundle, { identity: { san: DEFAULT_SAN, issuer: w.issuer.issuer, extensions } }),
      ).to.not.throw();
    });

    it("verifies a hand-built bundle, so the hand-built failures below fail for the reason they name", async () => {
      const byHand = await w.signByHand(Buffer.from(canonicalJson(buildStepStatement(w.bytes))));
      expect(w.verify(byHand).statement.predicate.step).to.equal("1");
    });

    it("verifies each kind in a few milliseconds (timings reported)", () => {
      for (const [name, bundle] of kinds()) {
        const rounds = 20;
        const start = performance.now();
        for (let i = 0; i < rounds; i++) w.verify(bundle);
        const perBundle = (performance.now() - start) / rounds;
        console.log(`      verify ${name}: ${perBundle.toFixed(1)} ms per bundle`);
        expect(perBundle).to.be.below(200);
      }
    });
  });

  describe("signer identity", () => {
    it("rejects another SAN, a SAN prefix, another issuer and a wrong pinned extension: UNTRUSTED_SIGNER_ERROR", async () => {
      const issuer = w.issuer.issuer;
      for (const identity of [
        { san: "https://github.com/octo-org/octo-repo/.github/workflows/other.yml@refs/heads/main", issuer },
        { san: "https://github.com/octo-org/octo-repo/.github/workflows/step.yml", issuer },
        { san: DEFAULT_SAN, issuer: "https://token.actions.githubusercontent.com" },
        { san: DEFAULT_SAN, issuer, extensions: { buildSignerDigest: "f".repeat(40) } },
        {
          san: DEFAULT_SAN,
          issuer,
          extensions: { runInvocationUri: "https://github.com/octo-org/octo-repo/actions/runs/1/attempts/1" },
        },
      ]) {
        await expectProtocolError(() => w.verify(w.tsaBundle, { identity }), "UNTRUSTED_SIGNER_ERROR");
      }
    });

    it("treats the SAN literally: a workflow named step.yml does not match stepXyml", async () => {
      const token = w.token({ job_workflow_ref: "octo-org/octo-repo/.github/workflows/stepXyml@refs/heads/main" });
      const lookalike = await attestCertificate({
        certificateBytes: w.bytes,
        token,
        sigstore: { fulcioUrl: w.sigstore.fulcioUrl, tsaUrl: w.sigstore.tsaUrl },
      });
      await expectProtocolError(() => w.verify(lookalike), "UNTRUSTED_SIGNER_ERROR");
    });

    it("refuses malformed identity options and digests: ATTEST_OPTIONS_INVALID", async () => {
      const issuer = w.issuer.issuer;
      await expectProtocolError(
        () => w.verify(w.tsaBundle, { identity: { san: "", issuer } }),
        ATTEST_CODES.OPTIONS_INVALID,
      );
      await expectProtocolError(
        () => w.verify(w.tsaBundle, { identity: { san: DEFAULT_SAN, issuer, extensions: { commit: "x" } as never } }),
        ATTEST_CODES.OPTIONS_INVALID,
      );
      await expectProtocolError(
        () => w.verify(w.tsaBundle, { expectedDigest: w.digest.toUpperCase() }),
        ATTEST_CODES.OPTIONS_INVALID,
      );
    });
  });

  describe("the statement (what @sigstore/verify does not check)", () => {
    it("rejects a valid bundle for another certificate: ATTEST_SUBJECT_DIGEST_MISMATCH", async () => {
      await expectProtocolError(
        () => w.verify(w.tsaBundle, { expectedDigest: sha256Hex(certificateBytes(2)) }),
        ATTEST_CODES.SUBJECT_DIGEST_MISMATCH,
      );
    });

    it("rejects a validly signed statement of another predicate type: ATTEST_PREDICATE_TYPE_MISMATCH", async () => {
      const slsa = await w.signByHand(w.statementWith((s) => (s.predicateType = "https://slsa.dev/provenance/v1")));
      await expectProtocolError(() => w.verify(slsa), ATTEST_CODES.PREDICATE_TYPE_MISMATCH);
    });

    it("rejects validly signed statements of the wrong shape: ATTEST_STATEMENT_MALFORMED", async () => {
      const subject = buildStepStatement(w.bytes).subject[0];
      for (const payload of [
        w.statementWith((s) => (s.subject = [subject, { name: "other", digest: { sha256: "0".repeat(64) } }])),
        w.statementWith((s) => (s.subject = [{ ...subject, name: "certificate.sigstore.json" }])),
        w.statementWith((s) => (s._type = "https://in-toto.io/Statement/v0.1")),
        w.statementWith((s) => ((s.predicate as Record<string, unknown>).extra = "1")),
        Buffer.from("not json"),
      ]) {
        await expectProtocolError(async () => w.verify(await w.signByHand(payload)), ATTEST_CODES.STATEMENT_MALFORMED);
      }
      const otherType = await w.signByHand(Buffer.from(canonicalJson(buildStepStatement(w.bytes))), {
        payloadType: "application/json",
      });
      await expectProtocolError(() => w.verify(otherType), ATTEST_CODES.STATEMENT_MALFORMED);
    });
  });

  describe("bundle form", () => {
    it("refuses what is not a Sigstore bundle: ATTEST_BUNDLE_MALFORMED", async () => {
      for (const bundle of [{}, null, "bundle", { ...clone(w.tsaBundle), mediaType: "application/json" }]) {
        await expectProtocolError(() => w.verify(bundle), ATTEST_CODES.BUNDLE_MALFORMED);
      }
    });

    it("refuses a v0.3 bundle carrying a chain, which the format forbids: ATTEST_BUNDLE_MALFORMED", async () => {
      const chained = clone(w.tsaBundle);
      const material = chained.verificationMaterial as unknown as Record<string, unknown>;
      material.x509CertificateChain = { certificates: [material.certificate] };
      delete material.certificate;
      await expectProtocolError(() => w.verify(chained), ATTEST_CODES.BUNDLE_MALFORMED);
    });

    it("refuses older bundle versions and key material other than a certificate: ATTEST_BUNDLE_UNSUPPORTED", async () => {
      for (const mediaType of [
        "application/vnd.dev.sigstore.bundle+json;version=0.2",
        "application/vnd.dev.sigstore.bundle+json;version=0.1",
      ]) {
        await expectProtocolError(
          () => w.verify({ ...clone(w.tsaBundle), mediaType }),
          ATTEST_CODES.BUNDLE_UNSUPPORTED,
        );
      }
      const keyed = clone(w.tsaBundle);
      const material = keyed.verificationMaterial as unknown as Record<string, unknown>;
      material.publicKey = { hint: "a-key" };
      delete material.certificate;
      await expectProtocolError(() => w.verify(keyed), ATTEST_CODES.BUNDLE_UNSUPPORTED);
    });
  });
});
