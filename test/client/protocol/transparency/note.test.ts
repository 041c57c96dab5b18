import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { expect } from "chai";

import {
  CHECKPOINT_MALFORMED,
  FAILURE_SIGNATURE_INVALID,
  FAILURE_WITNESS_LINEAGE_MISMATCH,
  NOTE_KEY_INVALID,
  NOTE_MALFORMED,
  ecdsaNoteVerifier,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  formatCheckpoint,
  formatSignatureLine,
  noteVerifierFromKey,
  noteVerifierKey,
  openCheckpoint,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  signCheckpoint,
  signNote,
  verifyNote,
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

const LOG = generateKeyPairSync("ed25519");
const OTHER = generateKeyPairSync("ed25519");
const ORIGIN =
  "swarm-gateway/31337/0x0000000000000000000000000000000000000001/0x00000000000000000000000000000000000000aa";
const CP = { origin: ORIGIN, treeSize: 42, rootHash: new Uint8Array(32).fill(7), extensions: [] };

describe("transparency: C2SP signed notes and checkpoints", function () {
  describe("against the fixtures", function () {
    const dir = fixturesDir();
    before(function () {
      if (dir === undefined) this.skip();
    });

    it("verifies the C2SP signed-note example with its vkey", function () {
      const note = readText(dir!, "tlog/checkpoints/c2sp-signed-note-example.txt");
      const vkey = readText(dir!, "tlog/checkpoints/c2sp-signed-note-example.vkey");
      const opened = verifyNote(note, [noteVerifierFromKey(vkey)]);
      expect(opened.text).to.equal("This is an example message.\n");
      expect(opened.verified.map((s) => s.name)).to.deep.equal(["example.com/foo"]);
      expect(noteVerifierKey("example.com/foo", parseVerifierKey(vkey).publicKey)).to.equal(vkey.trim());
    });

    it("verifies the real Rekor v1 checkpoint (ECDSA P-256) and reads its size, root and extension line", function () {
      const note = readText(dir!, "tlog/checkpoints/sigstore-java/valid.txt");
      const key = createPublicKey(readText(dir!, "tlog/checkpoints/rekor.sigstore.dev.pub.pem"));
      const verifier = ecdsaNoteVerifier("rekor.sigstore.dev", key);
      expect(verifier.keyId.toString(16)).to.equal("c0d23d6a");
      const { checkpoint } = openCheckpoint(note, verifier, "rekor.sigstore.dev - 2605736670972794746");
      expect(checkpoint.treeSize).to.equal(37795272);
      expect(Buffer.from(checkpoint.rootHash).toString("base64")).to.equal(
        "60ll7idWI1jYRZzxc+jKflYoW+4jWxgZaGR15ASsWt4=",
      );
      expect(checkpoint.extensions).to.deep.equal(["Timestamp: 1697034484441201852"]);
    });

    it("ignores an unknown key's line (same key ID, other name) and never counts it", function () {
      const note = readText(dir!, "tlog/checkpoints/sigstore-java/valid_multi_sig.txt");
      const key = createPublicKey(readText(dir!, "tlog/checkpoints/rekor.sigstore.dev.pub.pem"));
      const opened = verifyNote(note, [ecdsaNoteVerifier("rekor.sigstore.dev", key)]);
      expect(opened.verified.map((s) => s.name)).to.deep.equal(["rekor.sigstore.dev"]);
      expect(opened.unverified.map((s) => s.name)).to.deep.equal(["bob.loblaw.dev"]);
      expect(codeOf(() => verifyNote(note, [ecdsaNoteVerifier("bob.loblaw.dev", key)]))).to.equal(
        FAILURE_SIGNATURE_INVALID,
      );
    });

    it("refuses every malformed checkpoint of the sigstore-java set", function () {
      const expected: Record<string, string> = {
        error_header_body_separator: NOTE_MALFORMED,
        error_no_newline_after_signature: NOTE_MALFORMED,
        error_no_signatures: NOTE_MALFORMED,
        error_signature_format_invalid: NOTE_MALFORMED,
        error_signature_length_insufficient: NOTE_MALFORMED,
        error_header_count: CHECKPOINT_MALFORMED,
        error_not_a_number: CHECKPOINT_MALFORMED,
      };
      for (const [name, code] of Object.entries(expected)) {
        const note = readText(dir!, `tlog/checkpoints/sigstore-java/${name}.txt`);
        expect(
          codeOf(() => parseCheckpoint(parseNote(note).text)),
          name,
        ).to.equal(code);
      }
    });

    it("verifies the Rekor v2 staging checkpoint's log signature, ignoring the three cosignature lines", function () {
      const note = readText(dir!, "tlog/checkpoints/rekor-v2-staging-witnessed-checkpoint.txt");
      const [logKey] = readText(dir!, "tlog/checkpoints/rekor-v2-staging-witnessed-checkpoint.vkeys.txt")
        .trim()
        .split("\n");
      const { checkpoint, note: opened } = openCheckpoint(
        note,
        noteVerifierFromKey(logKey!),
        "log2025-alpha3.rekor.sigstage.dev",
      );
      expect(checkpoint.treeSize).to.equal(4197418);
      expect(opened.unverified).to.have.length(3);
    });
  });

  it("signs and verifies a checkpoint with an Ed25519 key named after the origin", function () {
    const note = signCheckpoint(CP, ed25519NoteSigner(ORIGIN, LOG.privateKey));
    const { checkpoint } = openCheckpoint(note, ed25519NoteVerifier(ORIGIN, LOG.publicKey), ORIGIN);
    expect(checkpoint).to.deep.equal({ ...CP, rootHash: new Uint8Array(CP.rootHash) });
    expect(formatCheckpoint(checkpoint)).to.equal(parseNote(note).text);
  });

  it("rejects a checkpoint signed by another key under the log's name", function () {
    const note = signCheckpoint(CP, ed25519NoteSigner(ORIGIN, OTHER.privateKey));
    expect(codeOf(() => openCheckpoint(note, ed25519NoteVerifier(ORIGIN, LOG.publicKey), ORIGIN))).to.equal(
      FAILURE_SIGNATURE_INVALID,
    );
  });

  it("rejects a checkpoint whose text was changed after signing", function () {
    const note = signCheckpoint(CP, ed25519NoteSigner(ORIGIN, LOG.privateKey)).replace("\n42\n", "\n43\n");
    expect(codeOf(() => openCheckpoint(note, ed25519NoteVerifier(ORIGIN, LOG.publicKey), ORIGIN))).to.equal(
      FAILURE_SIGNATURE_INVALID,
    );
  });

  it("rejects a note where the trusted key's second line is bad, even after a good one", function () {
    const signer = ed25519NoteSigner(ORIGIN, LOG.privateKey);
    const note = signNote("hello\n", [signer]);
    const line = note.slice(note.lastIndexOf("\u2014"));
    const [sig] = parseNote(note).signatures;
    const flipped = new Uint8Array(sig!.signature);
    flipped[10]! ^= 1;
    const bad = formatSignatureLine({ ...sig!, signature: flipped });
    const verifier = ed25519NoteVerifier(ORIGIN, LOG.publicKey);
    expect(verifyNote(note + line, [verifier]).verified).to.have.length(1);
    expect(codeOf(() => verifyNote(note + bad, [verifier]))).to.equal(FAILURE_SIGNATURE_INVALID);
  });

  it("rejects a checkpoint from another log (origin) as FAILURE_WITNESS_LINEAGE_MISMATCH", function () {
    const other = "swarm-gateway/1/0x01/0x02";
    const note = signCheckpoint({ ...CP, origin: other }, ed25519NoteSigner(ORIGIN, LOG.privateKey));
    expect(codeOf(() => openCheckpoint(note, ed25519NoteVerifier(ORIGIN, LOG.publicKey), ORIGIN))).to.equal(
      FAILURE_WITNESS_LINEAGE_MISMATCH,
    );
  });

  it("rejects trailing garbage, control characters, bad base64 and a missing final newline", function () {
    const note = signCheckpoint(CP, ed25519NoteSigner(ORIGIN, LOG.privateKey));
    for (const broken of [
      note + "garbage",
      note + "\n",
      note.slice(0, -1),
      note.replace("\n42\n", "\n4\t2\n"),
      note.replace(/ ([A-Za-z0-9+/=]+)\n$/, " $1=\n"),
      note.replace("\u2014", "-"),
    ]) {
      expect(
        codeOf(() => parseNote(broken)),
        JSON.stringify(broken.slice(-20)),
      ).to.equal(NOTE_MALFORMED);
    }
  });

  it("rejects checkpoint bodies with a leading-zero size, a short root or an empty extension line", function () {
    const root = Buffer.alloc(32, 1).toString("base64");
    for (const text of [
      `o\n042\n${root}\n`,
      `o\n1\n${Buffer.alloc(31).toString("base64")}\n`,
      `o\n1\n${root}\next\n\n`,
      `\n1\n${root}\n`,
      `o\n-1\n${root}\n`,
      `o\n99999999999999999999\n${root}\n`,
    ]) {
      expect(
        codeOf(() => parseCheckpoint(text)),
        JSON.stringify(text),
      ).to.equal(CHECKPOINT_MALFORMED);
    }
  });

  it("rejects verifier keys with a wrong key ID, an unknown type or a name with a '+'", function () {
    const vkey = noteVerifierKey("log.example", LOG.publicKey);
    const [name, id, b64] = vkey.split("+") as [string, string, string];
    expect(codeOf(() => parseVerifierKey(`${name}+${id.replace(/^./, id[0] === "0" ? "1" : "0")}+${b64}`))).to.equal(
      NOTE_KEY_INVALID,
    );
    const raw = Buffer.from(b64, "base64");
    raw[0] = 0x02;
    expect(codeOf(() => parseVerifierKey(`${name}+${id}+${raw.toString("base64")}`))).to.equal(NOTE_KEY_INVALID);
    expect(codeOf(() => parseVerifierKey(`${vkey}`.replace("log.example", "log+x")))).to.equal(NOTE_KEY_INVALID);
  });
});
