import { expect } from "chai";
import { createHmac, hkdfSync } from "node:crypto";
import { type Address, bytesToHex, hexToBytes } from "viem";

import { GatewayError } from "../../../gateway/src/errors";
import { chainKey, hkdfExpand, hkdfExtract, stateKey, uintBytes } from "../../../gateway/src/caps/derive";

const hex = (b: Uint8Array) => bytesToHex(b);

/** A second HKDF, written only with createHmac and the byte layouts spelled out, to check the first against. */
function referenceHkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Buffer {
  const prk = createHmac("sha256", salt).update(ikm).digest();
  return referenceExpand(prk, info, length);
}
function referenceExpand(prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  const blocks: Buffer[] = [];
  let t = Buffer.alloc(0);
  for (let i = 1; blocks.length * 32 < length; i++) {
    t = createHmac("sha256", prk)
      .update(Buffer.concat([t, info, Buffer.from([i])]))
      .digest();
    blocks.push(t);
  }
  return Buffer.concat(blocks).subarray(0, length);
}
function be(n: bigint, width: number): Buffer {
  return Buffer.from(n.toString(16).padStart(width * 2, "0"), "hex");
}

const SECRET_A = Uint8Array.from({ length: 32 }, (_, i) => i);
const MARKET_A: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const SECRET_B = new Uint8Array(64).fill(0xab);
const MARKET_B: Address = "0xffffffffffffffffffffffffffffffffffffffff";

function expectInvalid(f: () => unknown): void {
  try {
    f();
  } catch (err) {
    expect(err).to.be.instanceOf(GatewayError);
    expect((err as GatewayError).code).to.equal("CAPS_DERIVATION_INPUT_INVALID");
    expect((err as GatewayError).status).to.equal(500);
    return;
  }
  expect.fail("expected CAPS_DERIVATION_INPUT_INVALID");
}

describe("gateway/caps/derive", () => {
  describe("HKDF primitives", () => {
    it("reproduce RFC 5869 test case 1 (extract and a two-block expand)", () => {
      const ikm = new Uint8Array(22).fill(0x0b);
      const salt = hexToBytes("0x000102030405060708090a0b0c");
      const info = hexToBytes("0xf0f1f2f3f4f5f6f7f8f9");
      const prk = hkdfExtract(salt, ikm);
      expect(hex(prk)).to.equal("0x077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
      expect(hex(hkdfExpand(prk, info, 42))).to.equal(
        "0x3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
      );
      expect(hex(hkdfExpand(prk, info, 32))).to.equal(
        "0x3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf",
      );
    });

    it("agree with node's hkdfSync", () => {
      const ikm = SECRET_B;
      const salt = Buffer.from("salt");
      const info = Buffer.from("info");
      const ours = hkdfExpand(hkdfExtract(salt, ikm), info, 32);
      expect(hex(ours)).to.equal(hex(new Uint8Array(hkdfSync("sha256", ikm, salt, info, 32))));
    });

    it("refuse a short PRK or an out-of-range length", () => {
      expectInvalid(() => hkdfExpand(new Uint8Array(31), new Uint8Array(), 32));
      expectInvalid(() => hkdfExpand(new Uint8Array(32), new Uint8Array(), 0));
      expectInvalid(() => hkdfExpand(new Uint8Array(32), new Uint8Array(), 255 * 32 + 1));
    });

    it("encode integers big-endian at fixed width and refuse overflow", () => {
      expect(hex(uintBytes(1n, 4))).to.equal("0x00000001");
      expect(hex(uintBytes(31337n, 32))).to.equal(`0x${"0".repeat(60)}7a69`);
      expectInvalid(() => uintBytes(1n << 32n, 4));
      expectInvalid(() => uintBytes(-1n, 4));
    });
  });

  describe("swarm vectors (computed independently with Python's hmac module)", () => {
    it("derives the fixed chain key and state keys for 31337 / MARKET_A / entitlement 1", () => {
      const ck = chainKey(SECRET_A, 31337n, MARKET_A, 1n);
      expect(hex(ck)).to.equal("0xade63a0b58b5b2d2d6db6a1f8d5fa8c2f9aaea2d58f6f6b4088952359a7f7b68");
      expect(hex(stateKey(ck, 0))).to.equal("0xc8138e6e012b6d5114e2261bad5425258a685ae503e6e93199459d5ae5223550");
      expect(hex(stateKey(ck, 1))).to.equal("0x679432b8e0c2a677c0c91b0497b3f816eece4e3352fe1b96baf795c340998800");
      expect(hex(stateKey(ck, 2))).to.equal("0x25d691643e370187ad2decaf95c68cb110942968bfb6b167ba706a3ddfefb272");
      expect(hex(stateKey(ck, 0xffffffff))).to.equal(
        "0xd3d45c99df8bd63389ee303375bf1839a1e93327d59d9e15341710eb2d104624",
      );
    });

    it("derives the fixed keys at the extremes: uint256-max entitlement, 64-byte secret", () => {
      const ck = chainKey(SECRET_B, 8453n, MARKET_B, (1n << 256n) - 1n);
      expect(hex(ck)).to.equal("0xe63c129bd73c5d19b43ba1849532dbff1b3d823ffc4553606a82e4c32e17a843");
      expect(hex(stateKey(ck, 0))).to.equal("0x466b61e88d3a809649a593fda4812ddfe0f48db5ef3a6759fae765df6cd29e2c");
      expect(hex(stateKey(ck, 1))).to.equal("0x39561743c9262c7e7f5b493c98586b226deff7b26241213c2e49d0afa3bac4a8");
    });

    it("matches a createHmac-only reimplementation of the documented byte layout", () => {
      for (const [secret, chainId, market, id] of [
        [SECRET_A, 1n, MARKET_A, 0n],
        [SECRET_B, 84532n, MARKET_B, 123456789n],
      ] as const) {
        const salt = Buffer.concat([be(chainId, 32), Buffer.from(market.slice(2), "hex")]);
        const info = Buffer.concat([Buffer.from("swarm/v1/entitlement"), be(id, 32)]);
        const ck = chainKey(secret, chainId, market, id);
        expect(hex(ck)).to.equal(hex(referenceHkdf(secret, salt, info, 32)));
        for (const k of [0, 7, 65536]) {
          const stateInfo = Buffer.concat([Buffer.from("swarm/v1/state"), be(BigInt(k), 4)]);
          expect(hex(stateKey(ck, k))).to.equal(hex(referenceExpand(ck, stateInfo, 32)));
        }
      }
    });
  });

  describe("independence", () => {
    const base = hex(chainKey(SECRET_A, 31337n, MARKET_A, 1n));

    it("gives another entitlement, chain, market or secret a different chain key", () => {
      const others = [
        chainKey(SECRET_A, 31337n, MARKET_A, 2n),
        chainKey(SECRET_A, 1n, MARKET_A, 1n),
        chainKey(SECRET_A, 31337n, MARKET_B, 1n),
        chainKey(SECRET_B, 31337n, MARKET_A, 1n),
      ].map(hex);
      expect(new Set([base, ...others]).size).to.equal(5);
    });

    it("does not depend on the market address's letter case", () => {
      expect(hex(chainKey(SECRET_A, 31337n, MARKET_A.toLowerCase() as Address, 1n))).to.equal(base);
    });

    it("gives every step its own state key, none equal to the chain key", () => {
      const ck = chainKey(SECRET_A, 31337n, MARKET_A, 1n);
      const keys = Array.from({ length: 64 }, (_, k) => hex(stateKey(ck, k)));
      expect(new Set([...keys, hex(ck)]).size).to.equal(65);
    });
  });

  describe("input validation", () => {
    it("refuses a master secret shorter than 32 bytes", () => {
      expectInvalid(() => chainKey(new Uint8Array(31), 1n, MARKET_A, 1n));
    });

    it("refuses chain id 0, a negative or 2^256 entitlement id, and a malformed market", () => {
      expectInvalid(() => chainKey(SECRET_A, 0n, MARKET_A, 1n));
      expectInvalid(() => chainKey(SECRET_A, 1n, MARKET_A, -1n));
      expectInvalid(() => chainKey(SECRET_A, 1n, MARKET_A, 1n << 256n));
      expectInvalid(() => chainKey(SECRET_A, 1n, "0x1234" as Address, 1n));
    });

    it("refuses a step outside uint32 and a chain key that is not 32 bytes", () => {
      const ck = chainKey(SECRET_A, 1n, MARKET_A, 1n);
      expectInvalid(() => stateKey(ck, -1));
      expectInvalid(() => stateKey(ck, 2 ** 32));
      expectInvalid(() => stateKey(ck, 1.5));
      expectInvalid(() => stateKey(ck.subarray(0, 31), 1));
    });
  });
});
