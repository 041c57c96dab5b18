import type { KeyObject } from "node:crypto";
import { mlDsaKeyId } from "../../../client/src/protocol/hybrid/mlDsa";
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

/** How many signatures a parsed line carries (2 = hybrid), or 0 when it has no signatures array. */
function signatureCount(value: unknown): number {
  const signatures = (value as { signatures?: unknown } | null)?.signatures;
  return Array.isArray(signatures) ? signatures.length : 0;
}

/**
 * The hybrid rule of the gateway's own ledger, fail closed. A hybrid line (two signatures) needs the ML-DSA-65 key:
 * opened without one, the ledger refuses to start (LEDGER_KEY_MISMATCH) rather than accept half-checked lines; a
 * hybrid line naming another ML-DSA key is LEDGER_KEY_MISMATCH too (the configured key is not the chain's). Once a
 * line is hybrid, every later line must be (else LEDGER_CORRUPT: a stripped signature, a downgrade); lines before
 * the first hybrid one may be Ed25519 only (hybrid signing turned on for an existing ledger).
 */
function verifyHybridRule(
  value: unknown,
  seq: number,
  mlDsaKey: Uint8Array | undefined,
  hybridSince: number | undefined,
): void {
  const hybrid = signatureCount(value) === 2;
  if (!hybrid) {
    if (hybridSince !== undefined) {
      throw receiptError(
        "LEDGER_CORRUPT",
        `line ${seq}: expected an ML-DSA-65 signature (line ${hybridSince} is hybrid)`,
      );
    }
    return;
  }
  if (mlDsaKey === undefined) {
    throw receiptError(
      "LEDGER_KEY_MISMATCH",
      `line ${seq} is signed hybrid (ML-DSA-65): the ledger must be opened with its ML-DSA key (keys.receiptMlDsa)`,
    );
  }
  const keyid = ((value as { signatures: { keyid?: unknown }[] }).signatures[1] ?? {}).keyid;
  if (keyid !== mlDsaKeyId(mlDsaKey)) {
    throw receiptError("LEDGER_KEY_MISMATCH", `line ${seq}: signed by another ML-DSA-65 key than the configured one`);
  }
}

/**
 * Verifies every line of `file` and repairs a torn tail. Acknowledgements happen only after a complete line is
 * fsynced, so bytes after the last newline, and a last line that does not even parse as JSON, were never
 * acknowledged: they are cut off (and the cut fsynced). Any complete line that parses but does not verify, or an
 * unreadable line followed by another line, is LEDGER_CORRUPT: acknowledged history is never truncated.
 */
export async function recoverLedger(
  file: LedgerFile,
  expected: { readonly issuer: string; readonly genesisKey: KeyObject; readonly mlDsaKey?: Uint8Array },
): Promise<RecoveredLedger> {
  const size = await file.size();
  const offsets: number[] = [];
  let prev: Hex = GENESIS_PREV;
  let key = expected.genesisKey;
  let rotations = 0;
  let unreadable: { offset: number; seq: number } | undefined;
  let hybridSince: number | undefined;
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
    verifyHybridRule(parsed.value, seq, expected.mlDsaKey, hybridSince);
    if (hybridSince === undefined && signatureCount(parsed.value) === 2) hybridSince = seq;
    const { nextKey } = verifyLedgerLine(parsed, {
      seq,
      prev,
      issuer: expected.issuer,
      key,
      ...(expected.mlDsaKey === undefined ? {} : { mlDsaKey: expected.mlDsaKey }),
    });
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
