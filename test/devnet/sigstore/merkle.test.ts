import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";

import { inclusionProof, leafHash, nodeHash, rootHash } from "../../../devnet/sigstore";
import { fixturesDir } from "../../support/fixtures";
import { verifyInclusion } from "./sigstoreWorld";

describe("devnet/sigstore RFC 6962 tree", () => {
  it("hashes leaves with 0x00 and nodes with 0x01; the empty tree's root is SHA-256 of nothing", () => {
    expect(leafHash(Buffer.alloc(0)).toString("hex")).to.equal(
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    );
    expect(nodeHash(Buffer.alloc(32), Buffer.alloc(32))).to.deep.equal(
      createHash("sha256")
        .update(Buffer.concat([Buffer.from([1]), Buffer.alloc(64)]))
        .digest(),
    );
    expect(rootHash([]).toString("hex")).to.equal(createHash("sha256").digest("hex"));
  });

  it("produces proofs that an independent RFC 9162 verifier accepts for every leaf of trees of 1 to 33 leaves", () => {
    const leaves = Array.from({ length: 33 }, () => leafHash(randomBytes(16)));
    for (let size = 1; size <= leaves.length; size++) {
      const tree = leaves.slice(0, size);
      const root = rootHash(tree);
      for (let index = 0; index < size; index++) {
        expect(
          verifyInclusion(index, size, tree[index]!, inclusionProof(index, tree), root),
          `${index}/${size}`,
        ).to.equal(true);
      }
    }
  });

  it("refuses a proof for a leaf outside the tree", () => {
    expect(() => inclusionProof(3, [leafHash(Buffer.from("a"))])).to.throw(RangeError);
  });

  describe("against the RFC 6962 reference vectors (transparency-dev/merkle)", function () {
    const dir = fixturesDir();
    before(function () {
      if (dir === undefined) this.skip();
    });
    const read = (file: string) => JSON.parse(readFileSync(path.join(dir!, "tlog/merkle", file), "utf8"));

    it("computes the reference tree's leaf hashes and its root at every size", () => {
      const tree = read("rfc6962-reference-tree.json") as {
        leafInputsHex: string[];
        leafHashesHex: string[];
        rootHashesBySizeHex: Record<string, string>;
      };
      const leaves = tree.leafInputsHex.map((hex) => leafHash(Buffer.from(hex, "hex")));
      expect(leaves.map((l) => l.toString("hex"))).to.deep.equal(tree.leafHashesHex);
      for (const [size, root] of Object.entries(tree.rootHashesBySizeHex)) {
        expect(rootHash(leaves.slice(0, Number(size))).toString("hex"), `size ${size}`).to.equal(root);
      }
    });

    it("produces exactly the happy-path inclusion proofs of the reference vectors", () => {
      const tree = read("rfc6962-reference-tree.json") as { leafHashesHex: string[] };
      const leaves = tree.leafHashesHex.map((hex) => Buffer.from(hex, "hex"));
      for (const vector of ["0", "1", "2", "3", "4"]) {
        const v = read(`inclusion/${vector}/happy-path.json`) as {
          leafIdx: number;
          treeSize: number;
          root: string;
          leafHash: string;
          proof: string[] | null;
        };
        const tree = leaves.slice(0, v.treeSize);
        expect(tree[v.leafIdx]!.toString("base64")).to.equal(v.leafHash);
        expect(rootHash(tree).toString("base64")).to.equal(v.root);
        expect(inclusionProof(v.leafIdx, tree).map((h) => h.toString("base64"))).to.deep.equal(v.proof ?? []);
      }
    });
  });
});
