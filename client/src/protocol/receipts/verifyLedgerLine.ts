import type { KeyObject } from "node:crypto";
import { canonicalJson } from "../jcs";
import { ProtocolError } from "../errors";
import { receiptError } from "./codes";
import type { Hex, Receipt } from "./receipt";
import { verifyRotation } from "./rotation";
import { type DeferSignature, verifyReceiptEnvelope } from "./verifyEnvelope";

/** What a line at a given position must be. */
export interface LineExpectation {
  /** The line's index in the file. */
  readonly seq: number;
  /** sha256 of the previous line (GENESIS_PREV for line 0). */
  readonly prev: Hex;
  readonly issuer: string;
  /** The key in force: the genesis key, or the one the last key-rotation line announced. */
  readonly key: KeyObject;
  /** The ML-DSA-65 key a hybrid line's second signature is verified with; absent: only its shape is checked. */
  readonly mlDsaKey?: Uint8Array;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The LEDGER_CORRUPT error of a line whose Ed25519 signature a batch verifier found invalid. */
export function signatureFailure(seq: number): ProtocolError {
  const cause = receiptError("RECEIPT_SIGNATURE_INVALID", "expected a valid Ed25519 signature over the DSSE PAE");
  return corrupt(seq, `${cause.code}: ${cause.message}`, cause);
}

/**
 * A line parsed as UTF-8 JSON with its text, or undefined when it is unreadable (over-long, not UTF-8, not JSON):
 * what a torn write leaves, never what the ledger signs.
 */
export function parseLedgerLine(bytes: Buffer | undefined): { text: string; value: unknown } | undefined {
  if (bytes === undefined) return undefined;
  try {
    const text = utf8.decode(bytes);
    return { text, value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

function corrupt(seq: number, why: string, cause?: unknown): ProtocolError {
  return receiptError("LEDGER_CORRUPT", `line ${seq}: ${why}`, cause);
}

/** Throws LEDGER_CORRUPT unless the line's text is the JCS form of its own JSON (so its bytes hash one way). */
export function verifyCanonicalLine(text: string, value: unknown, seq: number): void {
  let canonical: string | undefined;
  try {
    canonical = canonicalJson(value);
  } catch {
    canonical = undefined;
  }
  if (canonical !== text) throw corrupt(seq, "expected the envelope in JCS canonical form");
}

/** Throws LEDGER_CORRUPT or LEDGER_ISSUER_MISMATCH unless the receipt sits where it claims: seq, prev, issuer. */
export function verifyChainPosition(receipt: Receipt, expected: LineExpectation): void {
  if (receipt.seq !== String(expected.seq))
    throw corrupt(expected.seq, `expected seq ${expected.seq}, got ${receipt.seq}`);
  if (receipt.prev !== expected.prev)
    throw corrupt(expected.seq, `expected prev ${expected.prev}, got ${receipt.prev}`);
  if (receipt.issuer !== expected.issuer) {
    throw receiptError(
      "LEDGER_ISSUER_MISMATCH",
      `line ${expected.seq}: expected issuer ${expected.issuer}, got ${receipt.issuer}`,
    );
  }
}

/**
 * Verifies one parsed line at its position: canonical envelope → envelope and signature under the key in force →
 * seq, prev, issuer → a key-rotation hands over to the announced key. Returns the receipt and the next line's key.
 */
export function verifyLedgerLine(
  line: { text: string; value: unknown },
  expected: LineExpectation,
  deferSignature?: DeferSignature,
): { receipt: Receipt; nextKey: KeyObject } {
  verifyCanonicalLine(line.text, line.value, expected.seq);
  let receipt: Receipt;
  try {
    receipt = verifyReceiptEnvelope(line.value, expected.key, deferSignature, expected.mlDsaKey);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    if (expected.seq === 0 && err.code === "RECEIPT_KEYID_MISMATCH") {
      throw receiptError(
        "LEDGER_KEY_MISMATCH",
        `line 0 is not signed by the configured genesis key: ${err.message}`,
        err,
      );
    }
    throw corrupt(expected.seq, `${err.code}: ${err.message}`, err);
  }
  verifyChainPosition(receipt, expected);
  if (receipt.kind !== "key-rotation") return { receipt, nextKey: expected.key };
  try {
    return { receipt, nextKey: verifyRotation(receipt, expected.key) };
  } catch (err) {
    throw corrupt(expected.seq, `RECEIPT_ROTATION_INVALID: ${(err as Error).message}`, err);
  }
}
