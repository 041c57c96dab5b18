import { readFile } from "node:fs/promises";

import type { AnchorRecord } from "../../client/src/bundle";
import { parseAnchorRecordLine } from "../../gateway/src/anchor";

/** How long the demo waits for the gateway to anchor the root it exports (a round a second, a block each). */
const ANCHOR_WAIT_MS = 20_000;
const POLL_MS = 200;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The records in the gateway's anchors.ndjson (none when it does not exist yet); a malformed line throws. */
async function readAnchorRecords(file: string): Promise<AnchorRecord[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  // A line still being written has no newline yet: only complete lines count.
  const complete = text.slice(0, text.lastIndexOf("\n") + 1);
  return complete
    .split("\n")
    .slice(0, -1)
    .map((line, i) => {
      const record = parseAnchorRecordLine(line);
      if (record === undefined) throw new Error(`anchors.ndjson line ${i + 1} is not an anchor record`);
      return record as AnchorRecord;
    });
}

/**
 * Waits until the gateway's anchor records (`anchors.ndjson` beside its ledger) hold the epoch that anchors a tree
 * of exactly `treeSize` receipts, and returns that record. The gateway anchors on its own schedule and never
 * blocks a release on it; the demo only waits for the round after its last receipt.
 */
export async function waitForAnchor(file: string, treeSize: number, timeoutMs = ANCHOR_WAIT_MS): Promise<AnchorRecord> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const records = await readAnchorRecords(file);
    const record = records.find((r) => r.treeSize === String(treeSize));
    if (record !== undefined) return record;
    const last = records[records.length - 1];
    if (last !== undefined && BigInt(last.treeSize) > BigInt(treeSize)) {
      throw new Error(`the gateway anchored ${last.treeSize} receipts, past the exported ${treeSize}`);
    }
    if (performance.now() > until) {
      throw new Error(`the gateway did not anchor its root at ${treeSize} receipts within ${timeoutMs / 1000} s`);
    }
    await sleep(POLL_MS);
  }
}
