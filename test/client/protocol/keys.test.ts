import { expect } from "chai";
import { generateKeyPairSync } from "node:crypto";
import { calculateJwkThumbprint } from "jose";

import { isProtocolError } from "../../../client/src/protocol/errors";
import {
  WORKER_KEY_INVALID,
  ed25519PublicJwk,
  generateWorkerKeyPair,
  jwkThumbprint,
  parseWorkerJwk,
} from "../../../client/src/protocol/keys";

/** RFC 7748 §6.1: Alice's X25519 public key. */
const ALICE_X = Buffer.from("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", "hex").toString(
  "base64url",
);
const ALICE = { kty: "OKP", crv: "X25519", x: ALICE_X };

function expectRefused(jwk: unknown, reason?: string): void {
  let failure: unknown;
  try {
    parseWorkerJwk(jwk);
  } catch (err) {
    failure = err;
  }
  expect(isProtocolError(failure, WORKER_KEY_INVALID), String(failure)).to.equal(true);
  if (reason !== undefined) expect((failure as Error).message).to.contain(reason);
}

function littleEndian(n: bigint): string {
  return Buffer.from(n.toString(16).padStart(64, "0"), "hex").reverse().toString("base64url");
}

describe("protocol/keys", () => {
  describe("parseWorkerJwk", () => {
    it("accepts a public X25519 JWK and returns exactly kty, crv, x", () => {
      expect(parseWorkerJwk({ ...ALICE, kid: "runner-1", use: "enc", alg: "ECDH-ES+A256KW" })).to.deep.equal(ALICE);
    });

    it("rejects a JWK carrying the private key d", () => {
      const { privateKey } = generateKeyPairSync("x25519");
      expectRefused(privateKey.export({ format: "jwk" }), '"d"');
      expectRefused({ ...ALICE, d: "" }, '"d"');
    });

    it("rejects another curve (Ed25519, P-256) or key type", () => {
      const ed = generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" });
      expectRefused(ed);
      expectRefused({ ...ALICE, crv: "Ed25519" });
      expectRefused(generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "jwk" }));
      expectRefused({ ...ALICE, kty: "EC" });
      expectRefused({ kty: "oct", k: ALICE_X });
    });

    it("rejects a 31-byte or 33-byte x", () => {
      expectRefused({ ...ALICE, x: Buffer.alloc(31, 9).toString("base64url") });
      expectRefused({ ...ALICE, x: Buffer.alloc(33, 9).toString("base64url") });
    });

    it("rejects non-canonical base64url: padding, standard alphabet, stray bits, whitespace", () => {
      expectRefused({ ...ALICE, x: `${ALICE_X}=` });
      expectRefused({ ...ALICE, x: Buffer.from(ALICE_X, "base64url").toString("base64").replace(/=+$/, "") });
      const last = ALICE_X.at(-1)!;
      const sibling = String.fromCharCode(last.charCodeAt(0) + 1); // same 4 high bits, a low bit set
      expect(Buffer.from(ALICE_X.slice(0, -1) + sibling, "base64url")).to.deep.equal(Buffer.from(ALICE_X, "base64url"));
      expectRefused({ ...ALICE, x: ALICE_X.slice(0, -1) + sibling });
      expectRefused({ ...ALICE, x: ` ${ALICE_X}` });
    });

    it("rejects extra members (x5c, key_ops, ext) and disallowed use/alg values", () => {
      expectRefused({ ...ALICE, x5c: [] });
      expectRefused({ ...ALICE, key_ops: ["deriveKey"] });
      expectRefused({ ...ALICE, ext: true });
      expectRefused({ ...ALICE, use: "sig" });
      expectRefused({ ...ALICE, alg: "ECDH-ES" });
      expectRefused({ ...ALICE, kid: "" });
    });

    it("rejects members named after Object.prototype properties (toString, constructor, __proto__)", () => {
      expectRefused({ ...ALICE, toString: "x" }, '"toString"');
      expectRefused({ ...ALICE, constructor: "x" }, '"constructor"');
      expectRefused(JSON.parse(`{"kty":"OKP","crv":"X25519","x":"${ALICE_X}","__proto__":{}}`), '"__proto__"');
    });

    it("rejects small-order points, whose shared secret anyone can compute", () => {
      expectRefused({ ...ALICE, x: Buffer.alloc(32).toString("base64url") }, "small-order");
      expectRefused({ ...ALICE, x: littleEndian(1n) }, "small-order");
      const order8 = Buffer.from("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", "hex");
      expectRefused({ ...ALICE, x: order8.toString("base64url") }, "small-order");
    });

    it("rejects a non-canonical u-coordinate (≥ 2^255 − 19, or the top bit set)", () => {
      const p = (1n << 255n) - 19n;
      expectRefused({ ...ALICE, x: littleEndian(p + 9n) }, "canonical X25519");
      const alice = Buffer.from(ALICE_X, "base64url");
      alice[31]! |= 0x80;
      expectRefused({ ...ALICE, x: alice.toString("base64url") }, "canonical X25519");
    });

    it("rejects non-objects: null, arrays, strings, a JSON text", () => {
      for (const v of [null, undefined, [], "x", JSON.stringify(ALICE), 1]) expectRefused(v);
    });
  });

  describe("jwkThumbprint", () => {
    it("equals jose's RFC 7638 SHA-256 thumbprint, as 0x lowercase hex", async () => {
      for (const jwk of [parseWorkerJwk(ALICE), generateWorkerKeyPair().publicJwk]) {
        const b64 = await calculateJwkThumbprint(jwk, "sha256");
        expect(jwkThumbprint(jwk)).to.equal(`0x${Buffer.from(b64, "base64url").toString("hex")}`);
      }
    });

    it("matches the RFC 8037 appendix A.3 Ed25519 thumbprint", () => {
      const jwk = { kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" } as const;
      const expected = Buffer.from("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k", "base64url").toString("hex");
      expect(jwkThumbprint(jwk)).to.equal(`0x${expected}`);
    });

    it("ignores kid/use/alg: a relabelled key has the same thumbprint", () => {
      expect(jwkThumbprint(parseWorkerJwk({ ...ALICE, kid: "other" }))).to.equal(jwkThumbprint(parseWorkerJwk(ALICE)));
    });
  });

  describe("generateWorkerKeyPair", () => {
    it("returns a parseable public JWK whose private half is an X25519 private key", () => {
      const { publicJwk, privateKey } = generateWorkerKeyPair();
      expect(parseWorkerJwk(publicJwk)).to.deep.equal(publicJwk);
      expect(Object.keys(publicJwk).sort()).to.deep.equal(["crv", "kty", "x"]);
      expect(privateKey.type).to.equal("private");
      expect(privateKey.asymmetricKeyType).to.equal("x25519");
    });

    it("generates a different key each time", () => {
      expect(generateWorkerKeyPair().publicJwk.x).to.not.equal(generateWorkerKeyPair().publicJwk.x);
    });
  });

  describe("ed25519PublicJwk", () => {
    it("exports the public half of an Ed25519 private key, and refuses an X25519 key", () => {
      const { publicKey, privateKey } = generateKeyPairSync("ed25519");
      expect(ed25519PublicJwk(privateKey)).to.deep.equal(ed25519PublicJwk(publicKey));
      expect(ed25519PublicJwk(privateKey).x).to.equal(publicKey.export({ format: "jwk" }).x);
      expect(() => ed25519PublicJwk(generateWorkerKeyPair().privateKey)).to.throw("expected an Ed25519 key");
    });
  });
});
