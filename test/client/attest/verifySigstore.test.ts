import { readFileSync } from "node:fs";
import path from "node:path";
import type { SerializedBundle } from "@sigstore/bundle";
import { expect } from "chai";

import { ATTEST_CODES, attestCertificate, buildStepStatement } from "../../../client/src/attest";
import { canonicalJson } from "../../../client/src/protocol/jcs";
import { LEAF_VALIDITY_SECONDS, startDevSigstore } from "../../../devnet/sigstore";
import { type AttestedWorld, clone, flip, startAttestedWorld } from "../../devnet/sigstore/attestedWorld";
import { expectProtocolError } from "../../devnet/sigstore/sigstoreWorld";
import { fixturesDir } from "../../support/fixtures";

describe("client/attest verifySigstoreBundle (through verifyAttestationBundle)", () => {
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

  describe("tampering fails with @sigstore/verify's own codes", () => {
    it("rejects a changed payload: SIGNATURE_ERROR (TSA), TLOG_BODY_ERROR (the log recorded the payload hash)", async () => {
      const payload = w.statementWith((s) => ((s.predicate as Record<string, string>).step = "2")).toString("base64");
      for (const [[, bundle], code] of kinds().map(
        (k, i) => [k, ["SIGNATURE_ERROR", "TLOG_BODY_ERROR"][i]!] as const,
      )) {
        const tampered = clone(bundle);
        tampered.dsseEnvelope!.payload = payload;
        await expectProtocolError(() => w.verify(tampered), code);
      }
    });

    it("rejects a certificate whose bytes were altered: CERTIFICATE_ERROR", async () => {
      for (const [, bundle] of kinds()) {
        const tampered = clone(bundle);
        tampered.verificationMaterial.certificate!.rawBytes = flip(tampered.verificationMaterial.certificate!.rawBytes);
        await expectProtocolError(() => w.verify(tampered), "CERTIFICATE_ERROR");
      }
    });

    it("rejects another valid certificate of the same identity swapped in: SIGNATURE_ERROR", async () => {
      const other = await attestCertificate({
        certificateBytes: w.bytes,
        token: w.token(),
        sigstore: { fulcioUrl: w.sigstore.fulcioUrl, tsaUrl: w.sigstore.tsaUrl },
      });
      for (const [, bundle] of kinds()) {
        const tampered = clone(bundle);
        tampered.verificationMaterial.certificate = other.verificationMaterial.certificate;
        await expectProtocolError(() => w.verify(tampered), "SIGNATURE_ERROR");
      }
    });

    it("rejects an altered signature: TIMESTAMP_ERROR (the timestamp covers it), TLOG_BODY_ERROR (the log recorded it)", async () => {
      for (const [[, bundle], code] of kinds().map(
        (k, i) => [k, ["TIMESTAMP_ERROR", "TLOG_BODY_ERROR"][i]!] as const,
      )) {
        const tampered = clone(bundle);
        tampered.dsseEnvelope!.signatures[0]!.sig = flip(tampered.dsseEnvelope!.signatures[0]!.sig);
        await expectProtocolError(() => w.verify(tampered), code);
      }
    });

    it("rejects an altered RFC 3161 timestamp, or none at all: TIMESTAMP_ERROR", async () => {
      const tampered = clone(w.tsaBundle);
      const [ts] = tampered.verificationMaterial.timestampVerificationData!.rfc3161Timestamps;
      ts!.signedTimestamp = flip(ts!.signedTimestamp);
      await expectProtocolError(() => w.verify(tampered), "TIMESTAMP_ERROR");
      const stripped = clone(w.tsaBundle);
      stripped.verificationMaterial.timestampVerificationData = { rfc3161Timestamps: [] };
      await expectProtocolError(() => w.verify(stripped), "TIMESTAMP_ERROR");
    });

    it("rejects an altered SET, integratedTime or logIndex: TLOG_INCLUSION_PROMISE_ERROR", async () => {
      const alter: ((e: SerializedBundle["verificationMaterial"]["tlogEntries"][number]) => void)[] = [
        (e) => (e.inclusionPromise!.signedEntryTimestamp = flip(e.inclusionPromise!.signedEntryTimestamp)),
        (e) => (e.integratedTime = String(Number(e.integratedTime) + 1)),
        (e) => (e.logIndex = String(Number(e.logIndex) + 1)),
      ];
      for (const change of alter) {
        const tampered = clone(w.tlogBundle);
        change(tampered.verificationMaterial.tlogEntries[0]!);
        await expectProtocolError(() => w.verify(tampered), "TLOG_INCLUSION_PROMISE_ERROR");
      }
    });

    it("rejects an altered inclusion proof or checkpoint: TLOG_INCLUSION_PROOF_ERROR", async () => {
      const proofOf = (b: SerializedBundle) => b.verificationMaterial.tlogEntries[0]!.inclusionProof!;
      expect(proofOf(w.tlogBundle).hashes.length).to.be.above(0);
      const hash = clone(w.tlogBundle);
      proofOf(hash).hashes[0] = flip(proofOf(hash).hashes[0]!);
      await expectProtocolError(() => w.verify(hash), "TLOG_INCLUSION_PROOF_ERROR");
      const checkpoint = clone(w.tlogBundle);
      const note = proofOf(checkpoint).checkpoint.envelope;
      proofOf(checkpoint).checkpoint.envelope = note.replace(/\n(\d+)\n/, (_, n: string) => `\n${Number(n) + 1}\n`);
      await expectProtocolError(() => w.verify(checkpoint), "TLOG_INCLUSION_PROOF_ERROR");
    });

    it("rejects a bundle stripped of its only tlog entry (no timestamp left): TIMESTAMP_ERROR", async () => {
      const stripped = clone(w.tlogBundle);
      stripped.verificationMaterial.tlogEntries = [];
      await expectProtocolError(() => w.verify(stripped), "TIMESTAMP_ERROR");
    });

    it("rejects a signature timestamped after the 10-minute certificate expired: CERTIFICATE_ERROR", async () => {
      const statement = Buffer.from(canonicalJson(buildStepStatement(w.bytes)));
      const late = await w.signByHand(statement, { timestampDelaySeconds: LEAF_VALIDITY_SECONDS + 1 });
      await expectProtocolError(() => w.verify(late), "CERTIFICATE_ERROR");
    });

    it("rejects a TSA-only bundle when the thresholds require a tlog entry: TLOG_ERROR", async () => {
      await expectProtocolError(
        () => w.verify(w.tsaBundle, { thresholds: { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 } }),
        "TLOG_ERROR",
      );
    });
  });

  describe("trust roots", () => {
    it("rejects both kinds under another devnet's trusted root: TIMESTAMP_ERROR (TSA), CERTIFICATE_ERROR (Rekor)", async () => {
      const other = await startDevSigstore({
        oidc: { issuer: w.issuer.issuer, jwksUri: w.issuer.jwksUri },
        clock: w.time.clock,
      });
      try {
        await expectProtocolError(() => w.verify(w.tsaBundle, { trustedRoot: other.trustedRoot }), "TIMESTAMP_ERROR");
        // The leaf's chain is checked (at the log's integrated time) before the log's SET.
        await expectProtocolError(
          () => w.verify(w.tlogBundle, { trustedRoot: other.trustedRoot }),
          "CERTIFICATE_ERROR",
        );
      } finally {
        await other.stop();
      }
    });

    it("rejects a devnet bundle under GitHub's real trusted root", async function () {
      const dir = fixturesDir();
      if (dir === undefined) this.skip();
      const github = JSON.parse(readFileSync(path.join(dir, "sigstore/trusted-roots/github.json"), "utf8"));
      await expectProtocolError(() => w.verify(w.tsaBundle, { trustedRoot: github }), "TIMESTAMP_ERROR");
    });

    it("refuses a trusted root it cannot read: ATTEST_TRUSTED_ROOT_MALFORMED", async () => {
      const noCa = { ...clone(w.sigstore.trustedRoot), certificateAuthorities: [] };
      for (const trustedRoot of [{ mediaType: "x" }, null, noCa]) {
        await expectProtocolError(() => w.verify(w.tsaBundle, { trustedRoot }), ATTEST_CODES.TRUSTED_ROOT_MALFORMED);
      }
    });
  });
});
