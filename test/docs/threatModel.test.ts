import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/*
 * docs/THREAT-MODEL.md must not drift from the code: every test it cites must still exist under the name it
 * gives, every source file it names must exist, and every threat row must either cite a test or state its
 * residual risk. A renamed or deleted test breaks the build here.
 */

const ROOT = path.join(__dirname, "..", "..");
const DOC = path.join(ROOT, "docs", "THREAT-MODEL.md");

/** A test reference: a backticked test file followed by the test's quoted name. */
const TEST_REF = /`(test\/[\w/.-]+\.test\.ts)`\s+"([^"]+)"/g;
/** A source reference: a backticked path under one of the code folders. */
const SOURCE_REF = /`((?:contracts|client|gateway|devnet|scripts)\/[\w/.-]+\.(?:sol|ts))(?:#[\w.]+)?`/g;
/** A threat row: a table row whose first cell is a threat id such as `S1` or `W3`. */
const THREAT_ROW = /^\|\s*\*\*([A-Z]{1,2}\d+)\*\*\s*\|/;

interface TestRef {
  readonly file: string;
  readonly name: string;
}

function testRefs(text: string): TestRef[] {
  return [...text.matchAll(TEST_REF)].map((m) => ({ file: m[1]!, name: m[2]! }));
}

/** Whether `name` appears in `file` as the literal name of a test or suite. */
function declaresTest(source: string, name: string): boolean {
  return [`"${name}"`, `'${name}'`, `\`${name}\``].some((literal) => source.includes(literal));
}

describe("docs/THREAT-MODEL.md", function () {
  const doc = readFileSync(DOC, "utf8");
  const rows = doc.split("\n").filter((line) => THREAT_ROW.test(line));

  it("has a threat table", function () {
    expect(rows.length).to.be.greaterThan(40);
  });

  it("cites only tests that exist under the names it gives", function () {
    const missing: string[] = [];
    const sources = new Map<string, string>();
    for (const ref of testRefs(doc)) {
      const file = path.join(ROOT, ref.file);
      if (!sources.has(ref.file)) sources.set(ref.file, existsSync(file) ? readFileSync(file, "utf8") : "");
      if (!declaresTest(sources.get(ref.file)!, ref.name)) missing.push(`${ref.file}: "${ref.name}"`);
    }
    expect(missing, "tests cited by the threat model but not found").to.deep.equal([]);
    expect(testRefs(doc).length).to.be.greaterThan(60);
  });

  it("names only source files that exist", function () {
    const missing = [...doc.matchAll(SOURCE_REF)].map((m) => m[1]!).filter((p) => !existsSync(path.join(ROOT, p)));
    expect(missing, "source files named by the threat model but not found").to.deep.equal([]);
  });

  it("gives every threat a test or a stated residual risk", function () {
    const silent = rows.filter((row) => testRefs(row).length === 0 && !/Residual:/.test(row));
    expect(
      silent.map((row) => THREAT_ROW.exec(row)![1]),
      "threat rows with neither a test nor a residual risk",
    ).to.deep.equal([]);
  });

  it("gives each maturity gate A to E a verdict", function () {
    for (const gate of ["A", "B", "C", "D", "E"]) {
      expect(doc, `Gate ${gate}`).to.match(new RegExp(`^### Gate ${gate}[^\\n]*— (met|partly met|not met)`, "m"));
    }
  });
});
