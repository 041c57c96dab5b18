import type { Hex } from "../protocol/receipts";
import { fail } from "./codes";

/** ROOT.txt: shell-parseable `KEY=value` lines (no quoting needed: every value is hex or decimal). */
export interface RootFile {
  /** RFC 6962 root of the log tree of TREE_SIZE leaves (the receipts' lines). */
  readonly merkleRoot: Hex;
  readonly treeSize: bigint;
  readonly firstSeq: bigint;
  /** The highest receipt seq in the bundle. */
  readonly maxSeq: bigint;
  /** sha256 of receipts/receipts.ndjson. */
  readonly receiptsSha256: Hex;
}

const KEYS = ["SWARM_BUNDLE_ROOT", "MERKLE_ROOT", "TREE_SIZE", "FIRST_SEQ", "MAX_SEQ", "RECEIPTS_SHA256"] as const;
const HEX32 = /^0x[0-9a-f]{64}$/;
const DEC = /^(0|[1-9][0-9]{0,19})$/;

/** ROOT.txt's text: one `KEY=value` per line, in a fixed order. */
export function formatRootFile(root: RootFile): string {
  return [
    "SWARM_BUNDLE_ROOT=1",
    `MERKLE_ROOT=${root.merkleRoot}`,
    `TREE_SIZE=${root.treeSize}`,
    `FIRST_SEQ=${root.firstSeq}`,
    `MAX_SEQ=${root.maxSeq}`,
    `RECEIPTS_SHA256=${root.receiptsSha256}`,
    "",
  ].join("\n");
}

/** Parses ROOT.txt strictly: exactly the keys above, in order, values in their encodings. */
export function parseRootFile(text: string): RootFile {
  const lines = text.split("\n");
  if (lines.pop() !== "" || lines.length !== KEYS.length)
    fail("FAILURE_BUNDLE_MALFORMED", "expected ROOT.txt's 6 lines");
  const values = lines.map((line, i) => {
    const [key, value, extra] = line.split("=");
    if (key !== KEYS[i] || value === undefined || extra !== undefined) {
      fail("FAILURE_BUNDLE_MALFORMED", `ROOT.txt line ${i + 1}: expected ${KEYS[i]}=…`);
    }
    return value;
  });
  const [version, merkleRoot, treeSize, firstSeq, maxSeq, receiptsSha256] = values as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (version !== "1")
    fail("FAILURE_SCHEMA_VERSION_UNSUPPORTED", `expected SWARM_BUNDLE_ROOT=1, got ${version.slice(0, 16)}`);
  if (!HEX32.test(merkleRoot) || !HEX32.test(receiptsSha256))
    fail("FAILURE_BUNDLE_MALFORMED", "expected 0x hex digests");
  if (![treeSize, firstSeq, maxSeq].every((v) => DEC.test(v))) fail("FAILURE_BUNDLE_MALFORMED", "expected decimals");
  return {
    merkleRoot: merkleRoot as Hex,
    treeSize: BigInt(treeSize),
    firstSeq: BigInt(firstSeq),
    maxSeq: BigInt(maxSeq),
    receiptsSha256: receiptsSha256 as Hex,
  };
}
