import { expect } from "chai";
import { type Address, type Hex, concat, getAddress, hashTypedData, keccak256, numberToHex, slice, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { marketDomain, stepPermitTypes } from "../../../client/src/protocol/eip712";
import { SignerKeys } from "../../../gateway/src/permits/signerKeys";
import { permitDigest, recoverStrict, signedBy } from "../../../gateway/src/permits/verifySignature";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const signer = privateKeyToAccount(`0x${"5a".repeat(32)}`);
const other = privateKeyToAccount(`0x${"a5".repeat(32)}`);

/** What recovery alone decides: the reference the fast path must match on every input. */
async function byRecovery(digest: Hex, signature: Hex, who: Address): Promise<boolean> {
  const recovered = await recoverStrict(digest, signature);
  return recovered !== undefined && recovered.toLowerCase() === who.toLowerCase();
}

/** Signatures around a valid one: itself, v flipped, r or s replaced by edge values, another digest's, another key's. */
async function variants(i: number): Promise<{ digest: Hex; signature: Hex; label: string }[]> {
  const digest = keccak256(toHex(`permit ${i}`));
  const valid = await signer.sign({ hash: digest });
  const r = slice(valid, 0, 32);
  const s = slice(valid, 32, 64);
  const v = Number(BigInt(slice(valid, 64, 65)));
  const word = (n: bigint) => numberToHex(n, { size: 32 });
  const sig = (rr: Hex, ss: Hex, vv: number) => concat([rr, ss, numberToHex(vv, { size: 1 })]);
  return [
    { digest, signature: valid, label: "valid" },
    { digest, signature: sig(r, s, v === 27 ? 28 : 27), label: "v flipped" },
    { digest, signature: sig(r, s, v - 27), label: "v as 0/1" },
    { digest, signature: sig(word(0n), s, v), label: "r = 0" },
    { digest, signature: sig(r, word(0n), v), label: "s = 0" },
    { digest, signature: sig(word(N), s, v), label: "r = n" },
    { digest, signature: sig(word(BigInt(r) + 1n), s, v), label: "r + 1" },
    { digest, signature: sig(r, word(N - BigInt(s)), v === 27 ? 28 : 27), label: "high-s twin" },
    { digest: keccak256(digest), signature: valid, label: "another digest" },
    { digest, signature: await other.sign({ hash: digest }), label: "another key" },
    { digest, signature: slice(valid, 0, 64), label: "64 bytes" },
  ];
}

describe("gateway/permits/signerKeys", () => {
  it("decides exactly as strict recovery, flipped v and malformed r or s included, once the signer's key is known", async () => {
    const keys = new SignerKeys();
    const first = (await variants(0))[0]!;
    expect(await signedBy(first.digest, first.signature, signer.address, keys)).to.equal(true);
    expect(keys.has(signer.address), "a recovered signer's key is kept").to.equal(true);
    for (let i = 1; i <= 24; i++) {
      for (const c of await variants(i)) {
        for (const who of [signer.address, other.address]) {
          const expected = await byRecovery(c.digest, c.signature, who);
          expect(await signedBy(c.digest, c.signature, who, keys), `${c.label} for ${who}`).to.equal(expected);
        }
      }
    }
  });

  it("never keeps a key for an address its signature did not recover to", async () => {
    const keys = new SignerKeys();
    const digest = keccak256(toHex("stolen"));
    expect(await signedBy(digest, await other.sign({ hash: digest }), signer.address, keys)).to.equal(false);
    expect(keys.has(signer.address)).to.equal(false);
  });

  it("keeps at most its bound of keys, dropping the least recently used", async () => {
    const keys = new SignerKeys(2);
    const accounts = [1, 2, 3].map((k) => privateKeyToAccount(numberToHex(k, { size: 32 })));
    for (const a of accounts) {
      const digest = keccak256(toHex(a.address));
      expect(await signedBy(digest, await a.sign({ hash: digest }), a.address, keys)).to.equal(true);
    }
    expect(accounts.map((a) => keys.has(a.address))).to.deep.equal([false, true, true]);
  });

  it("computes the same permit digest as viem's EIP-712 hashing, at the extremes of every field", () => {
    const domain = marketDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
    const max = (bits: number) => (1n << BigInt(bits)) - 1n;
    for (const permit of [
      {
        entitlementId: 0n,
        step: 1,
        fromStep: 0,
        runId: 0n,
        runAttempt: 0,
        workerKey: `0x${"00".repeat(32)}` as Hex,
        commit: `0x${"00".repeat(20)}` as Hex,
        policyHash: `0x${"00".repeat(32)}` as Hex,
        gateway: "0x0000000000000000000000000000000000000000" as Address,
        deadline: 0n,
      },
      {
        entitlementId: max(256),
        step: Number(max(32)),
        fromStep: Number(max(32)) - 1,
        runId: max(64),
        runAttempt: Number(max(32)),
        workerKey: `0x${"ff".repeat(32)}` as Hex,
        commit: `0x${"ab".repeat(20)}` as Hex,
        policyHash: `0x${"cd".repeat(32)}` as Hex,
        gateway: getAddress(`0x${"ff".repeat(20)}`),
        deadline: max(64),
      },
    ]) {
      const expected = hashTypedData({ domain, types: stepPermitTypes, primaryType: "StepPermit", message: permit });
      expect(permitDigest(permit, domain)).to.equal(expected);
      expect(permitDigest(permit, { ...domain, chainId: 1n })).to.not.equal(expected);
    }
  });
});
