import { type FileHandle, open, readFile } from "node:fs/promises";
import path from "node:path";

import { anchorError, ANCHOR_CODES } from "./codes";
import { type AnchorRecord, anchorRecordLine, parseAnchorRecordLine } from "./anchorRecord";

/** The records file's name, in the ledger's folder. */
export const ANCHOR_RECORDS_FILE = "anchors.ndjson";

/** The anchor records file beside a ledger file. */
export function anchorRecordsPath(ledgerPath: string): string {
  return path.join(path.dirname(ledgerPath), ANCHOR_RECORDS_FILE);
}

/** The durable list of anchored epochs: contiguous from epoch 1, each extending the one before. */
export interface AnchorRecords {
  /** Every record, oldest first. */
  all(): readonly AnchorRecord[];
  /** The newest record, if any. */
  last(): AnchorRecord | undefined;
  /** Appends the next epoch's record and fsyncs before resolving. */
  append(record: AnchorRecord): Promise<void>;
  close(): Promise<void>;
}

/** Checks that `next` is the epoch right after `prev` (or epoch 1) and extends its root and size. */
export function verifyRecordFollows(prev: AnchorRecord | undefined, next: AnchorRecord): void {
  const expectedEpoch = prev === undefined ? 1n : BigInt(prev.epoch) + 1n;
  const expectedPrev = prev?.root ?? `0x${"0".repeat(64)}`;
  if (BigInt(next.epoch) !== expectedEpoch) {
    throw anchorError(ANCHOR_CODES.RECORDS_CORRUPT, `expected epoch ${expectedEpoch}, got ${next.epoch}`);
  }
  if (next.prevRoot !== expectedPrev) {
    throw anchorError(ANCHOR_CODES.RECORDS_CORRUPT, `epoch ${next.epoch}: expected prevRoot ${expectedPrev}`);
  }
  if (prev !== undefined && BigInt(next.treeSize) < BigInt(prev.treeSize)) {
    throw anchorError(ANCHOR_CODES.RECORDS_CORRUPT, `epoch ${next.epoch}: tree size went down`);
  }
}

/**
 * Opens (creating if missing) the records file and verifies every complete line. A final line without its newline
 * is a torn write from a crash: it is cut off (the chain still holds that epoch, and the anchorer recovers it from
 * the contract's events). Any other defect is ANCHOR_RECORDS_CORRUPT: the gateway must not anchor over it.
 */
export async function openAnchorRecords(file: string): Promise<AnchorRecords> {
  let text = "";
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw anchorError(ANCHOR_CODES.RECORDS_IO_FAILED, `cannot read ${path.basename(file)}`, err);
    }
  }
  const complete = text.slice(0, text.lastIndexOf("\n") + 1);
  const records: AnchorRecord[] = [];
  for (const [i, line] of complete.split("\n").slice(0, -1).entries()) {
    const record = parseAnchorRecordLine(line);
    if (record === undefined) throw anchorError(ANCHOR_CODES.RECORDS_CORRUPT, `line ${i + 1} is not an anchor record`);
    verifyRecordFollows(records[records.length - 1], record);
    records.push(record);
  }
  let handle: FileHandle;
  try {
    handle = await open(file, "a+", 0o640);
    if (complete.length !== Buffer.byteLength(text)) {
      await handle.truncate(Buffer.byteLength(complete));
      await handle.sync();
    }
  } catch (err) {
    throw anchorError(ANCHOR_CODES.RECORDS_IO_FAILED, `cannot open ${path.basename(file)}`, err);
  }
  let writing: Promise<void> = Promise.resolve();
  // After a failed write the file may end in a partial line: refuse further appends until reopened (which cuts it).
  let broken = false;
  return {
    all: () => records,
    last: () => records[records.length - 1],
    append(record) {
      const run = async () => {
        if (broken) throw anchorError(ANCHOR_CODES.RECORDS_IO_FAILED, "an earlier append failed: reopen the records");
        verifyRecordFollows(records[records.length - 1], record);
        try {
          await handle.appendFile(`${anchorRecordLine(record)}\n`);
          await handle.sync();
        } catch (err) {
          broken = true;
          throw anchorError(ANCHOR_CODES.RECORDS_IO_FAILED, `cannot append to ${path.basename(file)}`, err);
        }
        records.push(record);
      };
      const next = writing.then(run, run);
      writing = next.catch(() => undefined);
      return next;
    },
    async close() {
      await writing;
      await handle.close();
    },
  };
}
