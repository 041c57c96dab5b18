import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";

import {
  FAILURE_CONSISTENCY_INVALID,
  FAILURE_INCLUSION_INVALID,
  consistencyProof,
  inclusionProof,
  leafHash,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from "../../../../client/src/protocol/transparency";
import { isProtocolError } from "../../../../client/src/protocol/errors";
import { fixturesDir, readText } from "../../../support/fixtures";

const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "base64"));
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));

/** Every JSON file under `dir` (relative to the fixtures folder), sorted. */
function vectorFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(root, dir)).sort()) {
    const rel = path.join(dir, name);
    if (statSync(path.join(root, rel)).isDirectory()) out.push(...vectorFiles(root, rel));
    else if (name.endsWith(".json")) out.push(rel);
  }
  return out;
}

/** Runs `check` and returns the ProtocolError code it threw, or undefined when it passed. */
function outcome(check: () => void): string | undefined {
  try {
    check();
    return undefined;
  } catch (err) {
    if (!isProtocolError(err)) throw err;
    return err.code;
  }
}

interface InclusionVector {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  wantErr: boolean;
}
interface ConsistencyVector {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  wantErr: boolean;
  desc: string;
}

/**
 * The one vector this verifier deliberately refuses although transparency-dev accepts it: equal sizes and equal
 * 12-byte "roots". A root that is not 32 bytes is never a SHA-256 root here, so it is refused.
 */
const STRICTER = "consistency/additional/sizes-are-equal-one-and-proof-is-empty.json";

describe("transparency: RFC 6962 / 9162 vectors (transparency-dev/merkle)", function () {
  const dir = fixturesDir();
  before(function () {
    if (dir === undefined) this.skip();
  });

  it("verifies every inclusion vector exactly as expected (wantErr) with FAILURE_INCLUSION_INVALID", function () {
    const files = vectorFiles(dir!, "tlog/merkle/inclusion");
    expect(files.length).to.be.greaterThan(80);
    for (const file of files) {
      const v = JSON.parse(readText(dir!, file)) as InclusionVector;
      const got = outcome(() =>
        verifyInclusion({
          leafHash: b64(v.leafHash),
          index: v.leafIdx,
          treeSize: v.treeSize,
          proof: (v.proof ?? []).map(b64),
          root: b64(v.root),
        }),
      );
      expect(got, file).to.equal(v.wantErr ? FAILURE_INCLUSION_INVALID : undefined);
    }
  });

  it("verifies every consistency vector exactly as expected (wantErr) with FAILURE_CONSISTENCY_INVALID", function () {
    const files = vectorFiles(dir!, "tlog/merkle/consistency");
    expect(files.length).to.be.greaterThan(80);
    for (const file of files) {
      const v = JSON.parse(readText(dir!, file)) as ConsistencyVector;
      const got = outcome(() =>
        verifyConsistency({
          size1: v.size1,
          size2: v.size2,
          root1: b64(v.root1),
          root2: b64(v.root2),
          proof: (v.proof ?? []).map(b64),
        }),
      );
      const wantErr = v.wantErr || file.endsWith(STRICTER);
      expect(got, file).to.equal(wantErr ? FAILURE_CONSISTENCY_INVALID : undefined);
    }
  });

  it("rebuilds the 8-leaf reference tree's roots and generates proofs that verify against them", function () {
    const ref = JSON.parse(readText(dir!, "tlog/merkle/rfc6962-reference-tree.json")) as {
      leafInputsHex: string[];
      leafHashesHex: string[];
      rootHashesBySizeHex: Record<string, string>;
    };
    const leaves = ref.leafInputsHex.map((h) => leafHash(hex(h)));
    expect(leaves.map((l) => Buffer.from(l).toString("hex"))).to.deep.equal(ref.leafHashesHex);
    for (const [size, root] of Object.entries(ref.rootHashesBySizeHex)) {
      const n = Number(size);
      expect(Buffer.from(rootOf(leaves.slice(0, n))).toString("hex"), `root of ${n}`).to.equal(root);
      for (let i = 0; i < n; i++) {
        verifyInclusion({
          leafHash: leaves[i]!,
          index: i,
          treeSize: n,
          proof: inclusionProof(leaves, i, n),
          root: hex(root),
        });
      }
      for (let m = 1; m <= n; m++) {
        const root1 = hex(ref.rootHashesBySizeHex[String(m)]!);
        verifyConsistency({ size1: m, size2: n, root1, root2: hex(root), proof: consistencyProof(leaves, m, n) });
      }
    }
  });

  it("verifies the six real Rekor inclusion proofs, and refuses each with its leaf index off by one", function () {
    const data = JSON.parse(readText(dir!, "tlog/merkle/rekor-real-inclusion-proofs.json")) as {
      vectors: {
        proofLeafIndex: number;
        treeSize: number;
        leafHashHex: string;
        proofHex: string[];
        rootHashHex: string;
      }[];
    };
    expect(data.vectors).to.have.length(6);
    for (const v of data.vectors) {
      const claim = {
        leafHash: hex(v.leafHashHex),
        index: v.proofLeafIndex,
        treeSize: v.treeSize,
        proof: v.proofHex.map(hex),
        root: hex(v.rootHashHex),
      };
      verifyInclusion(claim);
      expect(outcome(() => verifyInclusion({ ...claim, index: claim.index ^ 1 }))).to.equal(FAILURE_INCLUSION_INVALID);
    }
  });
});
