import type { KeyObject } from "node:crypto";
import { sha256Hex } from "../../../client/src/protocol/jcs";
import { receiptError } from "./codes";
import type { LedgerFile } from "./ledgerFs";
import { GENESIS_PREV, type Hex } from "./receipt";
import { scanLines } from "./scanLines";
import { parseLedgerLine, verifyLedgerLine } from "./verifyLedgerLine";

/** What opening the ledger removed: bytes that were never part of an acknowledged line. */
export interface LedgerRepair {
  /** Where the file was cut: the end of the last valid line. */
  readonly offset: number;
  readonly removedBytes: number;
  /** `unterminated-tail`: bytes after the last newline; `unreadable-last-line`: a last line that is not JSON. */
  readonly reason: "unterminated-tail" | "unreadable-last-line";
}

/** The verified state of a ledger file. */
export interface RecoveredLedger {
  /** Byte offset of each line; the line count is the ledger's size. */
  readonly offsets: number[];
  /** Offset just past the last line's newline (the file's size after any repair). */
  readonly end: number;
  readonly lastLineHash: Hex;
  /** The key the chain leads to: the genesis key, or the last one a key-rotation line announced. */
  readonly key: KeyObject;
  readonly rotations: number;
  readonly repair: LedgerRepair | undefined;
}

/**
 * Verifies every line of `file` and repairs a torn tail. Acknowledgements happen only after a complete line is
 * fsynced, so bytes after the last newline, and a last line that does not even parse as JSON, were never
 * acknowledged: they are cut off (and the cut fsynced). Any complete line that parses but does not verify, or an
 * unreadable line followed by another line, is LEDGER_CORRUPT: acknowledged history is never truncated.
 */
export async function recoverLedger(
  file: LedgerFile,
  expected: { readonly issuer: string; readonly genesisKey: KeyObject },
): Promise<RecoveredLedger> {
  const size = await file.size();
  const offsets: number[] = [];
  let prev: Hex = GENESIS_PREV;
  let key = expected.genesisKey;
  let rotations = 0;
  let unreadable: { offset: number; seq: number } | undefined;
  const terminatedEnd = await scanLines(file, size, ({ offset, bytes }) => {
    if (unreadable !== undefined) {
      throw receiptError("LEDGER_CORRUPT", `line ${unreadable.seq}: unreadable, and not the last line`);
    }
    const seq = offsets.length;
    const parsed = parseLedgerLine(bytes);
    if (parsed === undefined) {
      unreadable = { offset, seq };
      return;
    }
    const { nextKey } = verifyLedgerLine(parsed, { seq, prev, issuer: expected.issuer, key });
    if (nextKey !== key) rotations += 1;
    key = nextKey;
    offsets.push(offset);
    prev = sha256Hex(bytes!);
  });
  const end = unreadable?.offset ?? terminatedEnd;
  let repair: LedgerRepair | undefined;
  if (end < size) {
    await file.truncate(end);
    await file.sync();
    const reason = unreadable === undefined ? "unterminated-tail" : "unreadable-last-line";
    repair = { offset: end, removedBytes: size - end, reason };
  }
  return { offsets, end, lastLineHash: prev, key, rotations, repair };
}
