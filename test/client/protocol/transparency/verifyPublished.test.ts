import { generateKeyPairSync } from "node:crypto";
import { expect } from "chai";

import { isProtocolError } from "../../../../client/src/protocol/errors";
import {
  FAILURE_INCLUSION_INVALID,
  FAILURE_SIGNATURE_INVALID,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  inclusionProof,
  leafHash,
  rootOf,
  signCheckpoint,
  verifyPublishedLine,
} from "../../../../client/src/protocol/transparency";

const ORIGIN = "swarm-gateway/1/0x00000000000000000000000000000000000000a1/0x00000000000000000000000000000000000000b2";
const LOG = generateKeyPairSync("ed25519");
const LINES = Array.from({ length: 11 }, (_, i) => Buffer.from(`{"seq":"${i}"}`));
const LEAVES = LINES.map((l) => leafHash(l));
const NOTE = signCheckpoint(
  { origin: ORIGIN, treeSize: 11, rootHash: rootOf(LEAVES), extensions: [] },
  ed25519NoteSigner(ORIGIN, LOG.privateKey),
);

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (err) {
    if (!isProtocolError(err)) throw err;
    return err.code;
  }
}

describe("transparency: verifyPublishedLine (checkpoint + inclusion)", function () {
  const verifier = ed25519NoteVerifier(ORIGIN, LOG.publicKey);

  it("accepts a ledger line proved under the log's signed checkpoint", function () {
    const cp = verifyPublishedLine(
      { line: LINES[6]!, seq: 6, proof: inclusionProof(LEAVES, 6, 11), checkpointNote: NOTE },
      verifier,
      ORIGIN,
    );
    expect(cp.treeSize).to.equal(11);
  });

  it("rejects a line altered after publication with FAILURE_INCLUSION_INVALID", function () {
    const forged = Buffer.from(`{"seq":"6","x":1}`);
    const claim = { line: forged, seq: 6, proof: inclusionProof(LEAVES, 6, 11), checkpointNote: NOTE };
    expect(codeOf(() => verifyPublishedLine(claim, verifier, ORIGIN))).to.equal(FAILURE_INCLUSION_INVALID);
  });

  it("rejects a checkpoint that the pinned log key did not sign with FAILURE_SIGNATURE_INVALID", function () {
    const other = ed25519NoteVerifier(ORIGIN, generateKeyPairSync("ed25519").publicKey);
    const claim = { line: LINES[6]!, seq: 6, proof: inclusionProof(LEAVES, 6, 11), checkpointNote: NOTE };
    expect(codeOf(() => verifyPublishedLine(claim, other, ORIGIN))).to.equal(FAILURE_SIGNATURE_INVALID);
  });
});
