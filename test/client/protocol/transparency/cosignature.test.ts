import { generateKeyPairSync } from "node:crypto";
import { expect } from "chai";

import {
  FAILURE_WITNESS_INVALID,
  FAILURE_WITNESS_LINEAGE_MISMATCH,
  FAILURE_WITNESS_QUORUM_UNSATISFIED,
  TLOG_ARGUMENT_INVALID,
  type NoteSignature,
  SIG_TYPE_COSIGNATURE_V1,
  cosign,
  cosignatureVerifier,
  cosignedMessage,
  ed25519NoteSigner,
  formatCheckpoint,
  noteVerifierKey,
  parseNote,
  signCheckpoint,
  verifyCosignature,
  verifyWitnessQuorum,
  witnessVerifierFromKey,
} from "../../../../client/src/protocol/transparency";
import { isProtocolError } from "../../../../client/src/protocol/errors";
import { fixturesDir, readText } from "../../../support/fixtures";

function codeOf(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (err) {
    if (!isProtocolError(err)) throw err;
    return err.code;
  }
}

const ORIGIN =
  "swarm-gateway/31337/0x00000000000000000000000000000000000000a1/0x00000000000000000000000000000000000000b2";
const TEXT = formatCheckpoint({ origin: ORIGIN, treeSize: 7, rootHash: new Uint8Array(32).fill(3), extensions: [] });
const WITNESSES = ["w1.example/witness", "w2.example/witness", "w3.example/witness"].map((name) => ({
  name,
  ...generateKeyPairSync("ed25519"),
}));
const VERIFIERS = WITNESSES.map((w) => cosignatureVerifier(w.name, w.publicKey));
const TIME = 1_790_000_000;

describe("transparency: witness cosignatures (cosignature/v1) and k-of-n quorum", function () {
  it("signs `cosignature/v1\\ntime <t>\\n` + the checkpoint body, as 8-byte big-endian time || Ed25519 signature", function () {
    const sig = cosign(TEXT, WITNESSES[0]!, TIME);
    expect(sig.signature).to.have.length(72);
    expect(Buffer.from(sig.signature.subarray(0, 8)).readBigUInt64BE(0)).to.equal(BigInt(TIME));
    expect(Buffer.from(cosignedMessage(TEXT, TIME)).toString()).to.equal(`cosignature/v1\ntime ${TIME}\n${TEXT}`);
    expect(verifyCosignature(TEXT, sig, VERIFIERS[0]!)).to.deep.equal({
      name: WITNESSES[0]!.name,
      keyId: VERIFIERS[0]!.keyId,
      time: TIME,
    });
    const vkey = noteVerifierKey(WITNESSES[0]!.name, WITNESSES[0]!.publicKey, SIG_TYPE_COSIGNATURE_V1);
    expect(witnessVerifierFromKey(vkey).keyId).to.equal(sig.keyId);
  });

  it("verifies the three real witness cosignatures of the Rekor v2 staging checkpoint (3-of-3)", function () {
    const dir = fixturesDir();
    if (dir === undefined) this.skip();
    const note = parseNote(readText(dir, "tlog/checkpoints/rekor-v2-staging-witnessed-checkpoint.txt"));
    const [, ...witnessKeys] = readText(dir, "tlog/checkpoints/rekor-v2-staging-witnessed-checkpoint.vkeys.txt")
      .trim()
      .split("\n");
    const policy = {
      origin: "log2025-alpha3.rekor.sigstage.dev",
      witnesses: witnessKeys.map(witnessVerifierFromKey),
      threshold: 3,
    };
    const result = verifyWitnessQuorum(note.text, note.signatures, policy);
    expect(result.cosignatures.map((c) => c.time)).to.deep.equal([1779781340, 1779781340, 1779781340]);
  });

  it("counts 2 of 3 distinct witnesses and ignores lines of unknown keys", function () {
    const stranger = { name: "stranger.example", ...generateKeyPairSync("ed25519") };
    const sigs = [cosign(TEXT, WITNESSES[0]!, TIME), cosign(TEXT, stranger, TIME), cosign(TEXT, WITNESSES[2]!, TIME)];
    const result = verifyWitnessQuorum(TEXT, sigs, { origin: ORIGIN, witnesses: VERIFIERS, threshold: 2 });
    expect(result.cosignatures.map((c) => c.name)).to.deep.equal([WITNESSES[0]!.name, WITNESSES[2]!.name]);
  });

  it("rejects a witness below quorum, even when one witness cosigned twice", function () {
    const sigs = [cosign(TEXT, WITNESSES[0]!, TIME), cosign(TEXT, WITNESSES[0]!, TIME + 1)];
    expect(
      codeOf(() => verifyWitnessQuorum(TEXT, sigs, { origin: ORIGIN, witnesses: VERIFIERS, threshold: 2 })),
    ).to.equal(FAILURE_WITNESS_QUORUM_UNSATISFIED);
  });

  it("rejects a quorum reached by listing one witness key twice under two names", function () {
    const w = WITNESSES[0]!;
    const alias = { ...w, name: "alias.example/witness" };
    const witnesses = [VERIFIERS[0]!, cosignatureVerifier(alias.name, alias.publicKey)];
    const sigs = [cosign(TEXT, w, TIME), cosign(TEXT, alias, TIME)];
    expect(codeOf(() => verifyWitnessQuorum(TEXT, sigs, { origin: ORIGIN, witnesses, threshold: 2 }))).to.equal(
      FAILURE_WITNESS_QUORUM_UNSATISFIED,
    );
  });

  it("rejects a checkpoint of another log as FAILURE_WITNESS_LINEAGE_MISMATCH", function () {
    const other = formatCheckpoint({
      origin: "other.example/log",
      treeSize: 7,
      rootHash: new Uint8Array(32).fill(3),
      extensions: [],
    });
    const sigs = VERIFIERS.map((_, i) => cosign(other, WITNESSES[i]!, TIME));
    expect(
      codeOf(() => verifyWitnessQuorum(other, sigs, { origin: ORIGIN, witnesses: VERIFIERS, threshold: 1 })),
    ).to.equal(FAILURE_WITNESS_LINEAGE_MISMATCH);
  });

  it("rejects a cosignature made over another checkpoint (a fork) as FAILURE_WITNESS_INVALID", function () {
    const fork = TEXT.replace("\n7\n", "\n8\n");
    const sigs = [cosign(fork, WITNESSES[0]!, TIME), cosign(TEXT, WITNESSES[1]!, TIME)];
    expect(
      codeOf(() => verifyWitnessQuorum(TEXT, sigs, { origin: ORIGIN, witnesses: VERIFIERS, threshold: 1 })),
    ).to.equal(FAILURE_WITNESS_INVALID);
  });

  it("rejects a cosignature whose timestamp was changed, or that is dated after notAfter", function () {
    const sig = cosign(TEXT, WITNESSES[0]!, TIME);
    const moved = new Uint8Array(sig.signature);
    moved[7]! ^= 1;
    const tampered: NoteSignature = { ...sig, signature: moved };
    expect(codeOf(() => verifyCosignature(TEXT, tampered, VERIFIERS[0]!))).to.equal(FAILURE_WITNESS_INVALID);
    expect(codeOf(() => verifyCosignature(TEXT, sig, VERIFIERS[0]!, TIME - 1))).to.equal(FAILURE_WITNESS_INVALID);
    expect(
      codeOf(() => verifyCosignature(TEXT, { ...sig, signature: sig.signature.subarray(8) }, VERIFIERS[0]!)),
    ).to.equal(FAILURE_WITNESS_INVALID);
  });

  it("never takes the log's own checkpoint signature (type 0x01) for a witness cosignature", function () {
    const w = WITNESSES[0]!;
    const note = parseNote(
      signCheckpoint(
        { origin: ORIGIN, treeSize: 7, rootHash: new Uint8Array(32).fill(3), extensions: [] },
        ed25519NoteSigner(w.name, w.privateKey),
      ),
    );
    expect(
      codeOf(() => verifyWitnessQuorum(TEXT, note.signatures, { origin: ORIGIN, witnesses: VERIFIERS, threshold: 1 })),
    ).to.equal(FAILURE_WITNESS_QUORUM_UNSATISFIED);
  });

  it("refuses a policy whose threshold is 0 or above the number of witnesses", function () {
    for (const threshold of [0, 4, 1.5]) {
      expect(codeOf(() => verifyWitnessQuorum(TEXT, [], { origin: ORIGIN, witnesses: VERIFIERS, threshold }))).to.equal(
        TLOG_ARGUMENT_INVALID,
      );
    }
  });
});
