import { createHash, createPublicKey } from "node:crypto";
import { type Bundle, bundleFromJSON, bundleToJSON } from "@sigstore/bundle";
import { X509Certificate } from "@sigstore/core";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { DSSEBundleBuilder, FulcioSigner, RekorWitness, TSAWitness, type Witness } from "@sigstore/sign";
import { Verifier, type VerifierOptions, toSignedEntity, toTrustMaterial } from "@sigstore/verify";
import { expect } from "chai";

import { type SigstoreWorld, DEFAULT_SAN, dsseProposal, pemToDer, postJson, startSigstoreWorld } from "./sigstoreWorld";

const STATEMENT = Buffer.from(
  JSON.stringify({
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: "a.txt", digest: { sha256: "a".repeat(64) } }],
    predicateType: "https://example.com/predicate/v1",
    predicate: {},
  }),
);

describe("devnet/sigstore: the standard signing client against the devnet servers", () => {
  let world: SigstoreWorld;
  before(async () => {
    world = await startSigstoreWorld();
  });
  after(() => world.stop());

  /** Signs STATEMENT exactly as GitHub's attest action does: DSSEBundleBuilder, FulcioSigner, the witnesses. */
  async function sign(witnesses: (s: SigstoreWorld["sigstore"]) => Witness[]): Promise<Bundle> {
    const signer = new FulcioSigner({
      fulcioBaseURL: world.sigstore.fulcioUrl,
      identityProvider: { getToken: async () => world.token() },
    });
    const builder = new DSSEBundleBuilder({ signer, witnesses: witnesses(world.sigstore) });
    const bundle = await builder.create({ data: STATEMENT, type: "application/vnd.in-toto+json" });
    return bundleFromJSON(JSON.parse(JSON.stringify(bundleToJSON(bundle))));
  }

  /** `@sigstore/verify`'s low-level API with the devnet trusted root, offline. */
  function verify(bundle: Bundle, options: VerifierOptions, root: unknown = world.sigstore.trustedRoot) {
    const trust = toTrustMaterial(TrustedRoot.fromJSON(root));
    return new Verifier(trust, options).verify(toSignedEntity(bundle), {
      subjectAlternativeName: `^${DEFAULT_SAN.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&")}$`,
      extensions: { issuer: world.issuer.issuer },
    });
  }

  const tsa = (s: SigstoreWorld["sigstore"]) => [new TSAWitness({ tsaBaseURL: s.tsaUrl })];
  const rekor = (entryType: "dsse" | "intoto") => (s: SigstoreWorld["sigstore"]) => [
    new RekorWitness({ rekorBaseURL: s.rekorUrl, entryType }),
  ];

  it("produces a GitHub-style bundle (RFC 3161 timestamp, no tlog) that @sigstore/verify verifies", async () => {
    const bundle = await sign(tsa);
    expect(bundle.mediaType).to.equal("application/vnd.dev.sigstore.bundle.v0.3+json");
    expect(bundle.verificationMaterial.content.$case).to.equal("certificate");
    expect(bundle.verificationMaterial.tlogEntries).to.have.length(0);
    expect(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps).to.have.length(1);
    const signer = verify(bundle, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 1 });
    expect(signer.identity?.subjectAlternativeName).to.equal(DEFAULT_SAN);
  });

  it("produces a public-good-style bundle (Rekor dsse entry: SET, inclusion proof, checkpoint) that verifies", async () => {
    const bundle = await sign(rekor("dsse"));
    const [entry] = bundle.verificationMaterial.tlogEntries;
    expect(entry!.kindVersion).to.deep.equal({ kind: "dsse", version: "0.0.1" });
    expect(entry!.inclusionPromise).to.not.equal(undefined);
    expect(entry!.inclusionProof?.checkpoint?.envelope).to.match(/^127\.0\.0\.1:\d+\/rekor\n\d+\n/);
    expect(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps).to.have.length(0);
    verify(bundle, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 });
  });

  it("logs intoto 0.0.2 entries as @sigstore/sign proposes them, and they verify", async () => {
    const bundle = await sign(rekor("intoto"));
    expect(bundle.verificationMaterial.tlogEntries[0]!.kindVersion).to.deep.equal({ kind: "intoto", version: "0.0.2" });
    verify(bundle, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 });
  });

  it("with both witnesses, gives two independently verified timestamps", async () => {
    const bundle = await sign((s) => [...tsa(s), ...rekor("dsse")(s)]);
    verify(bundle, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 2 });
  });

  it("does not satisfy a verifier that demands a tlog entry with a TSA-only bundle (TLOG_ERROR)", async () => {
    const bundle = await sign(tsa);
    expect(() => verify(bundle, { tlogThreshold: 1, ctlogThreshold: 0 }))
      .to.throw()
      .with.property("code", "TLOG_ERROR");
  });

  it("does not satisfy a verifier that demands SCTs: the devnet runs no CT log (CERTIFICATE_ERROR)", async () => {
    const bundle = await sign(tsa);
    expect(() => verify(bundle, { tlogThreshold: 0, ctlogThreshold: 1 }))
      .to.throw()
      .with.property("code", "CERTIFICATE_ERROR");
  });

  it("signs and verifies each kind of bundle in well under a second (timings reported)", async function () {
    this.timeout(60_000);
    const rounds = 10;
    for (const [name, witnesses, thresholds] of [
      ["tsa", tsa, { tlogThreshold: 0, ctlogThreshold: 0 }],
      ["rekor", rekor("dsse"), { tlogThreshold: 1, ctlogThreshold: 0 }],
    ] as const) {
      let signMs = 0;
      let verifyMs = 0;
      for (let i = 0; i < rounds; i++) {
        const t0 = performance.now();
        const bundle = await sign(witnesses);
        const t1 = performance.now();
        verify(bundle, thresholds);
        verifyMs += performance.now() - t1;
        signMs += t1 - t0;
      }
      console.log(
        `      ${name}: sign ${(signMs / rounds).toFixed(1)} ms, verify ${(verifyMs / rounds).toFixed(1)} ms`,
      );
      expect(signMs / rounds).to.be.below(1000);
      expect(verifyMs / rounds).to.be.below(200);
    }
  });

  describe("trusted root", () => {
    it("parses into trust material and describes exactly these servers", () => {
      const root = world.sigstore.trustedRoot;
      expect(() => toTrustMaterial(TrustedRoot.fromJSON(root))).to.not.throw();
      expect(root.mediaType).to.equal("application/vnd.dev.sigstore.trustedroot+json;version=0.1");
      expect(root.certificateAuthorities.map((c) => c.uri)).to.deep.equal([world.sigstore.fulcioUrl]);
      expect(root.timestampAuthorities.map((c) => c.uri)).to.deep.equal([world.sigstore.tsaUrl]);
      expect(root.tlogs.map((t) => t.baseUrl)).to.deep.equal([world.sigstore.rekorUrl]);
      expect(root.ctlogs).to.deep.equal([]);
    });

    it("lists the Fulcio chain intermediate first and the self-signed root last, and the TSA chain signer first", () => {
      const chain = (certs: { rawBytes: string }[]) =>
        certs.map((c) => X509Certificate.parse(Buffer.from(c.rawBytes, "base64")));
      const [intermediate, root] = chain(world.sigstore.trustedRoot.certificateAuthorities[0]!.certChain.certificates);
      expect(root!.verify()).to.equal(true);
      expect(intermediate!.verify(root)).to.equal(true);
      expect(intermediate!.isCA).to.equal(true);
      const tsaChain = chain(world.sigstore.trustedRoot.timestampAuthorities[0]!.certChain.certificates);
      expect(tsaChain).to.have.length(3);
      expect(tsaChain[0]!.verify(tsaChain[1])).to.equal(true);
      expect(tsaChain[0]!.isCA).to.equal(false);
      expect(tsaChain[2]!.equals(root!)).to.equal(true);
    });

    it("names the log by sha256 of its P-256 key and gives every entry a validity start before the clock", () => {
      const [log] = world.sigstore.trustedRoot.tlogs;
      const spki = Buffer.from(log!.publicKey.rawBytes, "base64");
      expect(log!.logId.keyId).to.equal(createHash("sha256").update(spki).digest("base64"));
      expect(createPublicKey({ key: spki, format: "der", type: "spki" }).asymmetricKeyDetails?.namedCurve).to.equal(
        "prime256v1",
      );
      const root = world.sigstore.trustedRoot;
      for (const window of [log!.publicKey.validFor, ...root.certificateAuthorities.map((c) => c.validFor)]) {
        expect(Date.parse(window.start)).to.be.at.most(world.time.clock().getTime());
        expect(window.end).to.equal(undefined);
      }
    });
  });

  describe("routes", () => {
    it("serves Fulcio's trust bundle and the TSA's certificate chain", async () => {
      const bundle = (await (await fetch(`${world.sigstore.fulcioUrl}/api/v2/trustBundle`)).json()) as {
        chains: { certificates: string[] }[];
      };
      const [intermediate] = world.sigstore.trustedRoot.certificateAuthorities[0]!.certChain.certificates;
      expect(pemToDer(bundle.chains[0]!.certificates[0]!).toString("base64")).to.equal(intermediate!.rawBytes);
      const chain = await (await fetch(`${world.sigstore.tsaUrl}/certchain`)).text();
      expect(chain.match(/BEGIN CERTIFICATE/g)).to.have.length(3);
    });

    it("answers a repeated log entry with 409 and the existing entry's location, which GET serves", async () => {
      const proposal = dsseProposal(Buffer.from("repeat me"));
      const entries = `${world.sigstore.rekorUrl}/api/v1/log/entries`;
      const first = await postJson(entries, proposal);
      expect(first.status).to.equal(201);
      const [uuid] = Object.keys((await first.json()) as object);
      const again = await postJson(entries, proposal);
      expect(again.status).to.equal(409);
      expect(((await again.json()) as { code: string }).code).to.equal("REKOR_ENTRY_EXISTS");
      expect(again.headers.get("location")).to.equal(`/rekor/api/v1/log/entries/${uuid}`);
      const got = (await (await fetch(`${entries}/${uuid}`)).json()) as Record<string, { logIndex: number }>;
      expect(Object.keys(got)).to.deep.equal([uuid]);
      const head = (await (await fetch(`${world.sigstore.rekorUrl}/api/v1/log`)).json()) as { treeSize: number };
      expect(head.treeSize).to.equal(world.sigstore.logSize);
    });

    it("answers 404 for unknown paths, 405 for wrong methods, 415 for non-JSON and 413 for oversized bodies", async () => {
      expect((await fetch(`${world.sigstore.url}/fulcio/api/v1/signingCert`)).status).to.equal(404);
      const wrongMethod = await fetch(`${world.sigstore.fulcioUrl}/api/v2/signingCert`);
      expect(wrongMethod.status).to.equal(405);
      expect(wrongMethod.headers.get("allow")).to.equal("POST");
      const text = await fetch(world.sigstore.tsaUrl, {
        method: "POST",
        body: "x",
        headers: { "content-type": "text/plain" },
      });
      expect(text.status).to.equal(415);
      const big = await postJson(world.sigstore.tsaUrl, { artifactHash: "A".repeat(20_000), hashAlgorithm: "sha256" });
      expect(big.status).to.equal(413);
    });
  });
});
