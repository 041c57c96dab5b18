import { expect } from "chai";
import { createHash, generateKeyPairSync, sign } from "node:crypto";

import { isProtocolError } from "../../../../client/src/protocol/errors";
import {
  HYBRID_CODES,
  type HybridEnvelope,
  type MlDsaKeyPair,
  addMlDsaSignature,
  mlDsaKeyFromSeed,
  mlDsaKeyId,
  parseMlDsaSeed,
  verifyHybridEnvelope,
} from "../../../../client/src/protocol/hybrid";
import { pae } from "../../../../client/src/protocol/receipts/pae";
import { receiptKeyId } from "../../../../client/src/protocol/receipts/keyid";

const TYPE = "application/vnd.swarm.receipt+json";
const ed = generateKeyPairSync("ed25519");
const otherEd = generateKeyPairSync("ed25519");
const pq = mlDsaKeyFromSeed(new Uint8Array(32).fill(1));
const otherPq = mlDsaKeyFromSeed(new Uint8Array(32).fill(2));

/** An Ed25519-signed DSSE envelope over `text`. */
function edEnvelope(text: string, key = ed): HybridEnvelope {
  const body = Buffer.from(text);
  return {
    payload: body.toString("base64"),
    payloadType: TYPE,
    signatures: [
      { keyid: receiptKeyId(key.publicKey), sig: sign(null, pae(TYPE, body), key.privateKey).toString("base64") },
    ],
  };
}

const hybrid = (text: string, key: MlDsaKeyPair = pq) => addMlDsaSignature(edEnvelope(text), key);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isProtocolError(err)) return err.code;
    throw err;
  }
  throw new Error("expected a ProtocolError");
}

describe("protocol/hybrid", () => {
  describe("ML-DSA-65 keys", () => {
    it("derives the same key from the same seed and ids it by its AKP JWK thumbprint", () => {
      const again = parseMlDsaSeed(`0x${"01".repeat(32)}\n`);
      expect(Buffer.from(again.publicKey).equals(Buffer.from(pq.publicKey))).to.equal(true);
      const jwk = `{"alg":"ML-DSA-65","kty":"AKP","pub":"${Buffer.from(pq.publicKey).toString("base64url")}"}`;
      expect(mlDsaKeyId(pq.publicKey)).to.equal(`0x${createHash("sha256").update(jwk).digest("hex")}`);
    });

    it("rejects a seed that is not 32 bytes of 0x hex", () => {
      for (const bad of ["", "0x1234", `${"01".repeat(32)}`, `0x${"0G".repeat(32)}`, `0x${"01".repeat(33)}`]) {
        expect(
          codeOf(() => parseMlDsaSeed(bad)),
          bad,
        ).to.equal(HYBRID_CODES.KEY_INVALID);
      }
    });
  });

  describe("verifyHybridEnvelope", () => {
    it("accepts an Ed25519 + ML-DSA-65 envelope under both pinned keys", () => {
      const envelope = hybrid("hello");
      expect(envelope.signatures).to.have.length(2);
      expect(envelope.signatures[1]!.keyid).to.equal(mlDsaKeyId(pq.publicKey));
      const policy = { ed25519: ed.publicKey, mlDsa: pq.publicKey, requireHybrid: true };
      expect(verifyHybridEnvelope(envelope, policy)).to.deep.equal({ ed25519: "valid", mlDsa: "valid" });
    });

    it("accepts an Ed25519-only envelope when hybrid is not required, reporting ML-DSA absent", () => {
      expect(verifyHybridEnvelope(edEnvelope("x"), { ed25519: ed.publicKey, requireHybrid: false })).to.deep.equal({
        ed25519: "valid",
        mlDsa: "absent",
      });
    });

    it("reports ML-DSA unchecked when no ML-DSA key is pinned and hybrid is not required", () => {
      expect(verifyHybridEnvelope(hybrid("x"), { ed25519: ed.publicKey, requireHybrid: false }).mlDsa).to.equal(
        "unchecked",
      );
    });

    it("rejects a stripped ML-DSA signature when the policy requires hybrid", () => {
      const stripped: HybridEnvelope = { ...hybrid("x"), signatures: [hybrid("x").signatures[0]] };
      const policy = { ed25519: ed.publicKey, mlDsa: pq.publicKey, requireHybrid: true };
      expect(codeOf(() => verifyHybridEnvelope(stripped, policy))).to.equal(HYBRID_CODES.SIGNATURE_MISSING);
    });

    it("is indeterminate-coded when hybrid is required but no ML-DSA key is pinned", () => {
      expect(codeOf(() => verifyHybridEnvelope(hybrid("x"), { ed25519: ed.publicKey, requireHybrid: true }))).to.equal(
        HYBRID_CODES.KEY_MISSING,
      );
    });

    it("rejects an ML-DSA signature by another key", () => {
      const policy = { ed25519: ed.publicKey, mlDsa: pq.publicKey, requireHybrid: true };
      expect(codeOf(() => verifyHybridEnvelope(hybrid("x", otherPq), policy))).to.equal(HYBRID_CODES.KEYID_MISMATCH);
    });

    it("rejects an ML-DSA signature lifted from another envelope", () => {
      const victim = hybrid("pay the seller");
      const donor = hybrid("pay nobody");
      const spliced: HybridEnvelope = { ...victim, signatures: [victim.signatures[0], donor.signatures[1]!] };
      const policy = { ed25519: ed.publicKey, mlDsa: pq.publicKey, requireHybrid: true };
      expect(codeOf(() => verifyHybridEnvelope(spliced, policy))).to.equal(HYBRID_CODES.MLDSA_INVALID);
    });

    it("rejects a hybrid envelope whose Ed25519 signature is another key's", () => {
      const forged = addMlDsaSignature(edEnvelope("x", otherEd), pq);
      const policy = { ed25519: ed.publicKey, mlDsa: pq.publicKey, requireHybrid: true };
      expect(codeOf(() => verifyHybridEnvelope(forged, policy))).to.equal(HYBRID_CODES.KEYID_MISMATCH);
    });

    it("rejects a flipped Ed25519 signature even when the ML-DSA one is valid", () => {
      const envelope = hybrid("x");
      const sig = Buffer.from(envelope.signatures[0].sig, "base64");
      sig[0] ^= 1;
      const bad: HybridEnvelope = {
        ...envelope,
        signatures: [{ ...envelope.signatures[0], sig: sig.toString("base64") }, envelope.signatures[1]!],
      };
      const policy = { ed25519: ed.publicKey, mlDsa: pq.publicKey, requireHybrid: true };
      expect(codeOf(() => verifyHybridEnvelope(bad, policy))).to.equal(HYBRID_CODES.ED25519_INVALID);
    });

    it("rejects reordered, tripled or extra-field signature arrays", () => {
      const envelope = hybrid("x");
      const [a, b] = envelope.signatures as readonly [HybridEnvelope["signatures"][0], HybridEnvelope["signatures"][0]];
      const policy = { ed25519: ed.publicKey, mlDsa: pq.publicKey, requireHybrid: false };
      const shapes: unknown[] = [[b, a], [a, b, b], [], [{ ...a, extra: 1 }], [{ ...a, keyid: "0xAB" }]];
      for (const signatures of shapes) {
        const bad = { ...envelope, signatures } as unknown as HybridEnvelope;
        expect(codeOf(() => verifyHybridEnvelope(bad, policy))).to.equal(HYBRID_CODES.ENVELOPE_MALFORMED);
      }
    });

    it("refuses to add ML-DSA to an envelope that already carries two signatures", () => {
      expect(codeOf(() => addMlDsaSignature(hybrid("x"), pq))).to.equal(HYBRID_CODES.ENVELOPE_MALFORMED);
    });
  });
});
