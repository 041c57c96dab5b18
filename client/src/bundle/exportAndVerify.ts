import { readFile } from "node:fs/promises";
import type { VerifyBundleOptions } from "./context";
import { type BundleInputs, buildBundleFiles, writeBundleDir } from "./exportBundle";
import type { BundleReport } from "./report";
import { verifyBundle } from "./verifyBundle";

/** The lines of a `receipts.ndjson` file (exact bytes, newlines removed); a torn last line is refused. */
export async function readLedgerLines(path: string): Promise<Buffer[]> {
  const data = await readFile(path);
  if (data.length === 0) return [];
  if (data[data.length - 1] !== 0x0a) throw new RangeError("expected the ledger file to end with a newline");
  const lines: Buffer[] = [];
  for (let start = 0; start < data.length;) {
    const end = data.indexOf(0x0a, start);
    lines.push(Buffer.from(data.subarray(start, end)));
    start = end + 1;
  }
  return lines;
}

/**
 * Exports a bundle into `dir` and verifies it offline right away, as an auditor would (the demo's last step):
 * returns the paths written and the verification report. The pins are the caller's, never the bundle's keys.
 */
export async function exportAndVerify(
  dir: string,
  inputs: BundleInputs,
  options: VerifyBundleOptions,
): Promise<{ files: string[]; report: BundleReport }> {
  const files = await buildBundleFiles(inputs);
  await writeBundleDir(dir, files);
  return { files: [...files.keys()].sort(), report: await verifyBundle(dir, options) };
}
