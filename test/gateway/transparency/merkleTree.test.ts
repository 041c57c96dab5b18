import { expect } from "chai";
import fc from "fast-check";

import {
  consistencyProof,
  inclusionProof,
  leafHash,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from "../../../client/src/protocol/transparency";
import { IncrementalMerkleTree } from "../../../gateway/src/transparency";

const LEAVES = Array.from({ length: 300 }, (_, i) => leafHash(Buffer.from(`line ${i}`)));

/** A tree over the first `n` of LEAVES whose leaf reads are counted. */
function treeOf(
  n: number,
  cacheLevel: number,
): { tree: IncrementalMerkleTree; reads: () => number; leavesRead: () => number } {
  let reads = 0;
  let leavesRead = 0;
  const tree = new IncrementalMerkleTree(async (from, to) => {
    reads += 1;
    leavesRead += to - from;
    return LEAVES.slice(from, to);
  }, cacheLevel);
  for (const leaf of LEAVES.slice(0, n)) tree.append(leaf);
  return { tree, reads: () => reads, leavesRead: () => leavesRead };
}

describe("gateway/transparency IncrementalMerkleTree", function () {
  for (const cacheLevel of [0, 1, 3, 8]) {
    it(`answers the same roots and proofs as the reference at every size (cache level ${cacheLevel})`, async function () {
      const { tree } = treeOf(LEAVES.length, cacheLevel);
      expect(tree.root()).to.deep.equal(rootOf(LEAVES));
      await fc.assert(
        fc.asyncProperty(
          fc
            .integer({ min: 1, max: LEAVES.length })
            .chain((n) => fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 1, max: n }), fc.constant(n))),
          async ([index, m, n]) => {
            const root = await tree.rootAt(n);
            expect(root).to.deep.equal(rootOf(LEAVES.slice(0, n)));
            const path = await tree.inclusionProof(index, n);
            expect(path).to.deep.equal(inclusionProof(LEAVES, index, n));
            verifyInclusion({ leafHash: LEAVES[index]!, index, treeSize: n, proof: path, root });
            const proof = await tree.consistencyProof(m, n);
            expect(proof).to.deep.equal(consistencyProof(LEAVES, m, n));
            verifyConsistency({ size1: m, size2: n, root1: rootOf(LEAVES.slice(0, m)), root2: root, proof });
          },
        ),
        { numRuns: 150 },
      );
    });
  }

  it("keeps the current root without reading leaves, and reads at most 2^level-leaf runs for a proof", async function () {
    const { tree, reads, leavesRead } = treeOf(LEAVES.length, 4);
    expect(tree.root()).to.deep.equal(rootOf(LEAVES));
    expect(reads()).to.equal(0);
    await tree.inclusionProof(137, 300);
    await tree.consistencyProof(77, 300);
    expect(leavesRead()).to.be.at.most(4 * 16);
  });

  it("refuses a proof for a tree size it has not reached with TREE_SIZE_UNKNOWN", async function () {
    const { tree } = treeOf(10, 2);
    for (const run of [() => tree.inclusionProof(3, 11), () => tree.consistencyProof(2, 11), () => tree.rootAt(11)]) {
      try {
        await run();
        expect.fail("expected a refusal");
      } catch (err) {
        expect((err as { code?: string }).code).to.equal("TREE_SIZE_UNKNOWN");
      }
    }
  });
});
