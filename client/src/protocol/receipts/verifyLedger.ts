import type { KeyObject } from "node:crypto";
import { sha256Hex } from "../jcs";
import { receiptError } from "./codes";
import { GENESIS_PREV, type Hex, MAX_LINE_BYTES, type Receipt } from "./receipt";
import type { SignatureCheck, SignatureVerifier } from "./signaturePool";
import type { DeferSignature } from "./verifyEnvelope";
import { parseLedgerLine, signatureFailure, verifyLedgerLine } from "./verifyLedgerLine";

/** Where a run of ledger lines starts and whose chain it is. */
export interface LedgerExpectation {
  readonly issuer: string;
  /** The key in force at `firstSeq` (the genesis key when firstSeq is 0). */
  readonly key: KeyObject;
  /** seq of the first line; 0 for a whole ledger. */
  readonly firstSeq?: number;
  /** prev of the first line; GENESIS_PREV for a whole ledger. */
  readonly firstPrev?: Hex;
}

/** A verified run of ledger lines. */
export interface VerifiedLedger {
  readonly receipts: Receipt[];
  /** Each line's exact bytes without the newline: the Merkle leaves. */
  readonly lines: Buffer[];
  /** sha256 of the last line (the next line's prev). */
  readonly lastLineHash: Hex;
  /** The key in force after the last line. */
  readonly key: KeyObject;
}

const NEWLINE = 0x0a;

/**
 * Verifies a `receipts.ndjson` buffer in one pass: every line newline-terminated, canonical, signed by the key in
 * force (following key rotations), seq contiguous from `firstSeq`, prev = sha256 of the previous line, one issuer.
 * Throws a ProtocolError (RECEIPT_* / LEDGER_*) at the first line that breaks any of it.
 */
export function verifyLedgerBytes(
  data: Buffer,
  expected: LedgerExpectation,
  deferSignature?: DeferSignature,
): VerifiedLedger {
  if (data.length > 0 && data[data.length - 1] !== NEWLINE) {
    throw receiptError("LEDGER_CORRUPT", "expected the file to end with a newline");
  }
  const firstSeq = expected.firstSeq ?? 0;
  let prev: Hex = expected.firstPrev ?? GENESIS_PREV;
  let key = expected.key;
  const receipts: Receipt[] = [];
  const lines: Buffer[] = [];
  for (let start = 0; start < data.length;) {
    const end = data.indexOf(NEWLINE, start);
    const seq = firstSeq + lines.length;
    const bytes = end - start > MAX_LINE_BYTES ? undefined : data.subarray(start, end);
    const parsed = parseLedgerLine(bytes);
    if (parsed === undefined) throw receiptError("LEDGER_CORRUPT", `line ${seq}: unreadable or over-long`);
    const verified = verifyLedgerLine(parsed, { seq, prev, issuer: expected.issuer, key }, deferSignature);
    receipts.push(verified.receipt);
    lines.push(bytes!);
    key = verified.nextKey;
    prev = sha256Hex(bytes!);
    start = end + 1;
  }
  return { receipts, lines, lastLineHash: prev, key };
}

/**
 * verifyLedgerBytes with the Ed25519 checks run in one batch by `verifier` (e.g. a worker pool), same result and
 * same first error: a structural failure at line k is reported only after the signatures of lines ≤ k verified.
 */
export async function verifyLedgerBytesWith(
  data: Buffer,
  expected: LedgerExpectation,
  verifier: SignatureVerifier,
): Promise<VerifiedLedger> {
  const checks: SignatureCheck[] = [];
  let result: VerifiedLedger | undefined;
  let structural: unknown;
  try {
    result = verifyLedgerBytes(data, expected, (check) => checks.push(check));
  } catch (err) {
    structural = err;
  }
  const bad = await verifier.firstInvalid(checks);
  if (bad !== -1) throw signatureFailure((expected.firstSeq ?? 0) + bad);
  if (result === undefined) throw structural;
  return result;
}
