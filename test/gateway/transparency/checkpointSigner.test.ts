import { generateKeyPairSync } from "node:crypto";
import { expect } from "chai";

import { mlDsaKeyFromSeed, mlDsaNoteVerifier, verifyHybridNote } from "../../../client/src/protocol/hybrid";
import { ed25519NoteVerifier, leafHash, openCheckpoint, parseNote } from "../../../client/src/protocol/transparency";
import { CheckpointSigner, checkpointOrigin } from "../../../gateway/src/transparency";

const KEY = generateKeyPairSync("ed25519");
const ML_DSA = mlDsaKeyFromSeed(new Uint8Array(32).fill(3));
const ORIGIN = checkpointOrigin(
  31337n,
  "0x00000000000000000000000000000000000000A1",
  "0x5FbDB2315678afecb367f032d93F642f64180aa3",
);
const ROOT = leafHash(Buffer.from("root"));
const policy = (requireHybrid: boolean) => ({
  ed25519: ed25519NoteVerifier(ORIGIN, KEY.publicKey),
  mlDsa: mlDsaNoteVerifier(ORIGIN, ML_DSA.publicKey),
  requireHybrid,
});

/** The note with the base64 of signature line `i` altered in one byte. */
function flipLine(note: string, i: number): string {
  const lines = note.split("\n");
  const at = lines.findIndex((l) => l.startsWith("\u2014 ")) + i;
  const [prefix, name, b64] = lines[at]!.split(" ") as [string, string, string];
  const bytes = Buffer.from(b64, "base64");
  bytes[bytes.length - 1]! ^= 1;
  lines[at] = `${prefix} ${name} ${bytes.toString("base64")}`;
  return lines.join("\n");
}

describe("gateway/transparency CheckpointSigner", function () {
  it("signs Ed25519 only without an ML-DSA key", function () {
    const signer = new CheckpointSigner(ORIGIN, KEY.privateKey);
    expect(parseNote(signer.sign(4, ROOT)).signatures).to.have.length(1);
    expect(signer.mlDsaPublicKey).to.equal(undefined);
  });

  it("adds an ML-DSA-65 line after the Ed25519 one under the origin, and a hybrid verifier requires both", function () {
    const signer = new CheckpointSigner(ORIGIN, KEY.privateKey, ML_DSA);
    const note = signer.sign(4, ROOT);
    const { signatures } = parseNote(note);
    expect(signatures.map((s) => s.name)).to.deep.equal([ORIGIN, ORIGIN]);
    expect(signatures.map((s) => s.keyId)).to.deep.equal([policy(true).ed25519.keyId, policy(true).mlDsa.keyId]);
    expect(verifyHybridNote(note, policy(true)).verified).to.have.length(2);
    expect(signer.mlDsaPublicKey).to.deep.equal(ML_DSA.publicKey);
  });

  it("stays readable by an Ed25519-only verifier (the ML-DSA line is an unknown key's, ignored)", function () {
    const note = new CheckpointSigner(ORIGIN, KEY.privateKey, ML_DSA).sign(9, ROOT);
    const opened = openCheckpoint(note, ed25519NoteVerifier(ORIGIN, KEY.publicKey), ORIGIN);
    expect(opened.checkpoint.treeSize).to.equal(9);
    expect(opened.note.unverified).to.have.length(1);
  });

  it("refuses a hybrid checkpoint whose ML-DSA line was tampered with (FAILURE_SIGNATURE_INVALID)", function () {
    const note = flipLine(new CheckpointSigner(ORIGIN, KEY.privateKey, ML_DSA).sign(4, ROOT), 1);
    expect(() => verifyHybridNote(note, policy(false)))
      .to.throw()
      .with.property("code", "FAILURE_SIGNATURE_INVALID");
  });

  it("refuses a checkpoint stripped of its ML-DSA line when hybrid is required (HYBRID_SIGNATURE_MISSING)", function () {
    const note = new CheckpointSigner(ORIGIN, KEY.privateKey).sign(4, ROOT);
    expect(() => verifyHybridNote(note, policy(true)))
      .to.throw()
      .with.property("code", "HYBRID_SIGNATURE_MISSING");
  });
});
