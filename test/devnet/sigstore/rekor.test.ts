import { createHash, sign, verify } from "node:crypto";
import { expect } from "chai";

import { canonicalJson } from "../../../client/src/protocol/jcs";
import {
  ENTRY_CODES,
  type EcKeyPair,
  type LogEntry,
  SigstoreRefusal,
  createTransparencyLog,
  generateEcKeyPair,
  leafHash,
  logIdOf,
} from "../../../devnet/sigstore";
import { manualClock } from "../../gateway/oidc/fixtures";
import { dsseProposal, ephemeralKey, pae, verifyInclusion } from "./sigstoreWorld";

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");
const b64 = (data: Buffer | string) => Buffer.from(data).toString("base64");

/** An `intoto` 0.0.2 proposal built the way `@sigstore/sign` builds one (double base64, envelope hash). */
function intotoProposal(payload: Buffer, key = ephemeralKey(), tamper: { payloadHash?: string } = {}) {
  const payloadType = "application/vnd.in-toto+json";
  const sig = b64(sign("sha256", pae(payloadType, payload), key.privateKey));
  const hash = sha256(
    canonicalJson({ payloadType, payload: b64(payload), signatures: [{ sig, publicKey: key.publicPem }] }),
  );
  return {
    apiVersion: "0.0.2",
    kind: "intoto",
    spec: {
      content: {
        envelope: {
          payloadType,
          payload: b64(b64(payload)),
          signatures: [{ sig: b64(sig), publicKey: b64(key.publicPem) }],
        },
        hash: { algorithm: "sha256", value: hash },
        payloadHash: { algorithm: "sha256", value: tamper.payloadHash ?? sha256(payload) },
      },
    },
  };
}

function expectRefusal(action: () => unknown, code: string): void {
  let failure: unknown;
  try {
    action();
  } catch (err) {
    failure = err;
  }
  expect(failure, `expected ${code}`).to.be.instanceOf(SigstoreRefusal);
  expect((failure as SigstoreRefusal).code).to.equal(code);
  expect((failure as SigstoreRefusal).status).to.equal(400);
}

describe("devnet/sigstore Rekor log", () => {
  const time = manualClock();
  let keys: EcKeyPair;
  let log: ReturnType<typeof createTransparencyLog>;
  const origin = "127.0.0.1:1234/rekor";

  beforeEach(async () => {
    keys = await generateEcKeyPair("P-256");
    log = createTransparencyLog({ keys, logId: logIdOf(keys.spki), origin, clock: time.clock, entryPath: "/e" });
  });

  const body = (entry: LogEntry) => JSON.parse(Buffer.from(entry.body, "base64").toString("utf8"));

  it("stores a dsse 0.0.1 entry in Rekor's canonical form: hashes and the signature, never the envelope", () => {
    const payload = Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}');
    const proposal = dsseProposal(payload);
    const { entry } = log.append(proposal);
    const envelope = JSON.parse(proposal.spec.proposedContent.envelope) as { signatures: { sig: string }[] };
    expect(Buffer.from(entry.body, "base64").toString("utf8")).to.equal(
      canonicalJson({
        apiVersion: "0.0.1",
        kind: "dsse",
        spec: {
          envelopeHash: { algorithm: "sha256", value: sha256(proposal.spec.proposedContent.envelope) },
          payloadHash: { algorithm: "sha256", value: sha256(payload) },
          signatures: [
            { signature: envelope.signatures[0]!.sig, verifier: proposal.spec.proposedContent.verifiers[0] },
          ],
        },
      }),
    );
  });

  it("stores an intoto 0.0.2 entry without its payload, signature and key base64-encoded as Rekor does", () => {
    const proposal = intotoProposal(Buffer.from("{}"));
    const stored = body(log.append(proposal).entry);
    const { envelope, hash, payloadHash } = proposal.spec.content;
    expect(stored).to.deep.equal({
      apiVersion: "0.0.2",
      kind: "intoto",
      spec: {
        content: {
          envelope: { payloadType: envelope.payloadType, signatures: envelope.signatures },
          hash,
          payloadHash,
        },
      },
    });
  });

  it("gives each entry the clock's integratedTime and a SET over {body, integratedTime, logID, logIndex}", () => {
    log.append(dsseProposal(Buffer.from("first")));
    time.advance(7);
    const { entry } = log.append(dsseProposal(Buffer.from("second")));
    expect(entry.logIndex).to.equal(1);
    expect(entry.integratedTime).to.equal(time.seconds());
    expect(entry.logID).to.equal(sha256(keys.spki));
    const signed = canonicalJson({
      body: entry.body,
      integratedTime: entry.integratedTime,
      logID: entry.logID,
      logIndex: entry.logIndex,
    });
    const set = Buffer.from(entry.verification.signedEntryTimestamp, "base64");
    expect(verify("sha256", Buffer.from(signed), keys.publicKey, set)).to.equal(true);
  });

  it("proves inclusion of an earlier entry in the grown tree, under a signed checkpoint for that size", () => {
    const { uuid } = log.append(dsseProposal(Buffer.from("early")));
    for (let i = 0; i < 6; i++) log.append(dsseProposal(Buffer.from(`later ${i}`)));
    const entry = log.get(uuid);
    const proof = entry.verification.inclusionProof;
    expect(proof.treeSize).to.equal(7);
    const leaf = leafHash(Buffer.from(entry.body, "base64"));
    expect(uuid).to.equal(leaf.toString("hex"));
    const hashes = proof.hashes.map((h) => Buffer.from(h, "hex"));
    expect(verifyInclusion(0, 7, leaf, hashes, Buffer.from(proof.rootHash, "hex"))).to.equal(true);

    const [note, signatureLine] = proof.checkpoint.split("\n\n");
    expect(note).to.equal(`${origin}\n7\n${Buffer.from(proof.rootHash, "hex").toString("base64")}`);
    const [dash, name, signature] = signatureLine!.trimEnd().split(" ");
    expect([dash, name]).to.deep.equal(["\u2014", origin]);
    const bytes = Buffer.from(signature!, "base64");
    expect(bytes.subarray(0, 4)).to.deep.equal(logIdOf(keys.spki).subarray(0, 4));
    expect(verify("sha256", Buffer.from(`${note}\n`), keys.publicKey, bytes.subarray(4))).to.equal(true);
  });

  it("refuses an envelope whose signature does not verify with the submitted verifier", () => {
    const proposal = dsseProposal(Buffer.from("x"));
    proposal.spec.proposedContent.verifiers = [b64(ephemeralKey().publicPem)];
    expectRefusal(() => log.append(proposal), ENTRY_CODES.SIGNATURE_INVALID);
    expect(log.size).to.equal(0);
  });

  it("refuses an intoto entry whose payloadHash is not the payload's", () => {
    expectRefusal(
      () => log.append(intotoProposal(Buffer.from("x"), undefined, { payloadHash: "0".repeat(64) })),
      ENTRY_CODES.HASH_MISMATCH,
    );
  });

  it("refuses kinds it does not log and envelopes it cannot read", () => {
    expectRefusal(() => log.append({ apiVersion: "0.0.1", kind: "hashedrekord", spec: {} }), ENTRY_CODES.UNSUPPORTED);
    const twoSignatures = dsseProposal(Buffer.from("x"));
    const envelope = JSON.parse(twoSignatures.spec.proposedContent.envelope) as { signatures: unknown[] };
    envelope.signatures.push(envelope.signatures[0]);
    twoSignatures.spec.proposedContent.envelope = JSON.stringify(envelope);
    expectRefusal(() => log.append(twoSignatures), ENTRY_CODES.MALFORMED);
    const notJson = dsseProposal(Buffer.from("x"));
    notJson.spec.proposedContent.envelope = "{";
    expectRefusal(() => log.append(notJson), ENTRY_CODES.MALFORMED);
    expectRefusal(() => log.append({ ...dsseProposal(Buffer.from("x")), apiVersion: "0.0.2" }), ENTRY_CODES.MALFORMED);
  });
});
