import { expect } from "chai";
import { createHash, generateKeyPairSync } from "node:crypto";

import { isProtocolError } from "../../../../client/src/protocol/errors";
import {
  HYBRID_CODES,
  mlDsaKeyFromSeed,
  mlDsaNoteKeyId,
  mlDsaNoteSigner,
  mlDsaNoteVerifier,
  verifyHybridNote,
} from "../../../../client/src/protocol/hybrid";
import { signNote, verifyNote } from "../../../../client/src/protocol/transparency/note";
import { ed25519NoteSigner, ed25519NoteVerifier } from "../../../../client/src/protocol/transparency/noteKeys";

const NAME = "swarm.example/log";
const TEXT = `${NAME}\n7\n${Buffer.alloc(32, 9).toString("base64")}\n`;
const ed = generateKeyPairSync("ed25519");
const pq = mlDsaKeyFromSeed(new Uint8Array(32).fill(3));

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isProtocolError(err)) return err.code;
    throw err;
  }
  throw new Error("expected a ProtocolError");
}

describe("protocol/hybrid notes (ML-DSA-65 checkpoint signatures)", () => {
  const policy = {
    ed25519: ed25519NoteVerifier(NAME, ed.publicKey),
    mlDsa: mlDsaNoteVerifier(NAME, pq.publicKey),
    requireHybrid: true,
  };

  it("derives the key ID per C2SP for a type without an assigned byte (0xff + identifier)", () => {
    const digest = createHash("sha256")
      .update(`${NAME}\n`)
      .update(Uint8Array.of(0xff))
      .update("ML-DSA-65")
      .update(pq.publicKey)
      .digest();
    expect(mlDsaNoteKeyId(NAME, pq.publicKey)).to.equal(digest.readUInt32BE(0));
  });

  it("verifies a checkpoint signed by both keys, and an Ed25519-only verifier ignores the ML-DSA line", () => {
    const note = signNote(TEXT, [ed25519NoteSigner(NAME, ed.privateKey), mlDsaNoteSigner(NAME, pq)]);
    expect(verifyHybridNote(note, policy).verified).to.have.length(2);
    const legacy = verifyNote(note, [ed25519NoteVerifier(NAME, ed.publicKey)]);
    expect(legacy.verified).to.have.length(1);
    expect(legacy.unverified).to.have.length(1);
  });

  it("rejects a checkpoint whose ML-DSA line was stripped when hybrid is required", () => {
    const note = signNote(TEXT, [ed25519NoteSigner(NAME, ed.privateKey)]);
    expect(codeOf(() => verifyHybridNote(note, policy))).to.equal(HYBRID_CODES.SIGNATURE_MISSING);
    expect(verifyHybridNote(note, { ...policy, requireHybrid: false }).verified).to.have.length(1);
  });

  it("rejects a checkpoint whose ML-DSA signature covers another tree", () => {
    const other = signNote(`${NAME}\n8\n${Buffer.alloc(32, 1).toString("base64")}\n`, [mlDsaNoteSigner(NAME, pq)]);
    const note = signNote(TEXT, [ed25519NoteSigner(NAME, ed.privateKey)]);
    const spliced = `${note}${other.slice(other.indexOf("\n\n") + 2)}`;
    expect(codeOf(() => verifyHybridNote(spliced, policy))).to.equal("FAILURE_SIGNATURE_INVALID");
  });
});
