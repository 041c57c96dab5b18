import { randomBytes } from "node:crypto";
import { expect } from "chai";
import fc from "fast-check";

import {
  FAILURE_CONSISTENCY_INVALID,
  FAILURE_INCLUSION_INVALID,
  TLOG_ARGUMENT_INVALID,
  consistencyProof,
  inclusionProof,
  leafHash,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from "../../../../client/src/protocol/transparency";
import { isProtocolError } from "../../../../client/src/protocol/errors";

/** 70 fixed leaves: the trees tested are prefixes of it. */
const LEAVES = Array.from({ length: 70 }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
const ROOTS = Array.from({ length: LEAVES.length + 1 }, (_, n) => rootOf(LEAVES.slice(0, n)));

function codeOf(check: () => void): string | undefined {
  try {
    check();
    return undefined;
  } catch (err) {
    if (!isProtocolError(err)) throw err;
    return err.code;
  }
}

/** A proof changed in one of the ways an attacker could: a bit flipped, a hash dropped, added, swapped or replaced. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(255) }),
  fc.record({ kind: fc.constant("drop" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("swap" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat() }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

/** The mutated proof, or undefined when this mutation cannot apply (e.g. swapping in a one-hash proof). */
function mutate(proof: readonly Uint8Array[], m: Mutation): Uint8Array[] | undefined {
  const out = proof.map((h) => new Uint8Array(h));
  const at = proof.length === 0 ? 0 : m.at % proof.length;
  switch (m.kind) {
    case "flip":
      if (proof.length === 0) return undefined;
      out[at]![m.bit >> 3]! ^= 1 << (m.bit & 7);
      return out;
    case "drop":
      if (proof.length === 0) return undefined;
      out.splice(at, 1);
      return out;
    case "insert":
      out.splice(at, 0, new Uint8Array(randomBytes(32)));
      return out;
    case "swap":
      if (proof.length < 2 || Buffer.compare(out[at]!, out[(at + 1) % out.length]!) === 0) return undefined;
      [out[at], out[(at + 1) % out.length]] = [out[(at + 1) % out.length]!, out[at]!];
      return out;
    case "replace":
      if (proof.length === 0) return undefined;
      out[at] = new Uint8Array(randomBytes(32));
      return out;
  }
}

describe("transparency: generated proofs (property)", function () {
  const sizeAndIndex = fc
    .integer({ min: 1, max: LEAVES.length })
    .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 })));
  const twoSizes = fc
    .integer({ min: 1, max: LEAVES.length })
    .chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n)));

  it("every generated inclusion proof verifies", function () {
    fc.assert(
      fc.property(sizeAndIndex, ([n, i]) => {
        verifyInclusion({
          leafHash: LEAVES[i]!,
          index: i,
          treeSize: n,
          proof: inclusionProof(LEAVES, i, n),
          root: ROOTS[n]!,
        });
      }),
      { numRuns: 300 },
    );
  });

  it("rejects any mutated inclusion proof, another leaf, index or size with FAILURE_INCLUSION_INVALID", function () {
    fc.assert(
      fc.property(sizeAndIndex, mutation, fc.integer({ min: 1, max: 5 }), ([n, i], m, delta) => {
        const proof = inclusionProof(LEAVES, i, n);
        const claim = { leafHash: LEAVES[i]!, index: i, treeSize: n, proof, root: ROOTS[n]! };
        const mutated = mutate(proof, m);
        if (mutated !== undefined) {
          expect(codeOf(() => verifyInclusion({ ...claim, proof: mutated }))).to.equal(FAILURE_INCLUSION_INVALID);
        }
        const other = (i + delta) % n;
        if (other !== i) {
          expect(codeOf(() => verifyInclusion({ ...claim, index: other }))).to.equal(FAILURE_INCLUSION_INVALID);
          expect(codeOf(() => verifyInclusion({ ...claim, leafHash: LEAVES[other]! }))).to.equal(
            FAILURE_INCLUSION_INVALID,
          );
        }
        if (n + delta <= LEAVES.length) {
          const grown = { ...claim, treeSize: n + delta, root: ROOTS[n + delta]! };
          expect(codeOf(() => verifyInclusion(grown))).to.equal(FAILURE_INCLUSION_INVALID);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("every generated consistency proof verifies", function () {
    fc.assert(
      fc.property(twoSizes, ([m, n]) => {
        verifyConsistency({
          size1: m,
          size2: n,
          root1: ROOTS[m]!,
          root2: ROOTS[n]!,
          proof: consistencyProof(LEAVES, m, n),
        });
      }),
      { numRuns: 300 },
    );
  });

  it("rejects any mutated consistency proof, or a forked second root, with FAILURE_CONSISTENCY_INVALID", function () {
    const forked = [...LEAVES];
    fc.assert(
      fc.property(twoSizes, mutation, fc.nat(), ([m, n], mut, pick) => {
        const proof = consistencyProof(LEAVES, m, n);
        const claim = { size1: m, size2: n, root1: ROOTS[m]!, root2: ROOTS[n]!, proof };
        const mutated = mutate(proof, mut);
        if (mutated !== undefined) {
          expect(codeOf(() => verifyConsistency({ ...claim, proof: mutated }))).to.equal(FAILURE_CONSISTENCY_INVALID);
        }
        // A fork: the log rewrote one leaf below size1; its new root cannot be proved consistent with the old one.
        const at = pick % m;
        forked[at] = leafHash(Buffer.from(`forged ${at}`));
        const forkRoot = rootOf(forked.slice(0, n));
        forked[at] = LEAVES[at]!;
        const forkClaim = { ...claim, root2: forkRoot };
        expect(codeOf(() => verifyConsistency(forkClaim))).to.equal(FAILURE_CONSISTENCY_INVALID);
      }),
      { numRuns: 400 },
    );
  });

  it("refuses to generate proofs for leaves or sizes outside the tree", function () {
    expect(codeOf(() => inclusionProof(LEAVES, 5, 5))).to.equal(TLOG_ARGUMENT_INVALID);
    expect(codeOf(() => inclusionProof(LEAVES.slice(0, 3), 1, 4))).to.equal(TLOG_ARGUMENT_INVALID);
    expect(codeOf(() => consistencyProof(LEAVES, 0, 4))).to.equal(TLOG_ARGUMENT_INVALID);
    expect(codeOf(() => consistencyProof(LEAVES, 5, 4))).to.equal(TLOG_ARGUMENT_INVALID);
    expect(codeOf(() => inclusionProof(LEAVES, -1, 4))).to.equal(TLOG_ARGUMENT_INVALID);
  });

  it("rejects a same-size checkpoint with another root (a fork) and a proof that is not empty between equal sizes", function () {
    expect(
      codeOf(() => verifyConsistency({ size1: 9, size2: 9, root1: ROOTS[9]!, root2: ROOTS[8]!, proof: [] })),
    ).to.equal(FAILURE_CONSISTENCY_INVALID);
    expect(
      codeOf(() => verifyConsistency({ size1: 9, size2: 9, root1: ROOTS[9]!, root2: ROOTS[9]!, proof: [LEAVES[0]!] })),
    ).to.equal(FAILURE_CONSISTENCY_INVALID);
    verifyConsistency({ size1: 9, size2: 9, root1: ROOTS[9]!, root2: ROOTS[9]!, proof: [] });
  });
});
