import type { KeyObject } from "node:crypto";
import { canonicalJson } from "../jcs";
import { receiptError } from "./codes";
import { publicKeyFromHex, publicKeyHex, receiptKeyId } from "./keyid";
import type { Receipt, ReceiptEntry } from "./receipt";

/** intent.action of every key-rotation receipt. */
export const ROTATION_ACTION = "rotate-receipt-key";

/**
 * The key-rotation entry handing the ledger over from `oldPublicKey` to `newPublicKey`. The ledger signs it with the
 * OLD key, so a verifier holding only the old key learns the new one from the chain itself.
 */
export function rotationReceipt(oldPublicKey: KeyObject, newPublicKey: KeyObject): ReceiptEntry {
  const oldKid = receiptKeyId(oldPublicKey);
  const newKid = receiptKeyId(newPublicKey);
  if (oldKid === newKid) throw receiptError("RECEIPT_ROTATION_INVALID", "expected a new key, got the current one");
  return {
    kind: "key-rotation",
    subject: { receiptKid: oldKid },
    actor: {},
    intent: { action: ROTATION_ACTION },
    result: { receiptKid: newKid, publicKey: publicKeyHex(newPublicKey) },
  };
}

/**
 * Checks a key-rotation receipt signed by `currentKey` and returns the key that signs every later line. Throws
 * RECEIPT_ROTATION_INVALID unless it is exactly the entry `rotationReceipt` builds for the current key.
 */
export function verifyRotation(receipt: Receipt, currentKey: KeyObject): KeyObject {
  const invalid = (why: string) =>
    receiptError("RECEIPT_ROTATION_INVALID", `key-rotation at seq ${receipt.seq}: ${why}`);
  if (receipt.kind !== "key-rotation") throw invalid(`expected kind key-rotation, got ${receipt.kind}`);
  const { publicKey } = receipt.result;
  if (typeof publicKey !== "string") throw invalid("expected result.publicKey");
  let nextKey: KeyObject;
  try {
    nextKey = publicKeyFromHex(publicKey);
  } catch (cause) {
    throw receiptError("RECEIPT_ROTATION_INVALID", "expected result.publicKey as a raw Ed25519 key", cause);
  }
  const expected = rotationReceipt(currentKey, nextKey);
  const got = { kind: receipt.kind, subject: receipt.subject, actor: receipt.actor, intent: receipt.intent };
  const want = { kind: expected.kind, subject: expected.subject, actor: expected.actor, intent: expected.intent };
  if (canonicalJson(got) !== canonicalJson(want)) throw invalid("expected subject.receiptKid of the signing key");
  if (canonicalJson(receipt.result) !== canonicalJson(expected.result)) {
    throw invalid("expected result.receiptKid to be the thumbprint of result.publicKey");
  }
  return nextKey;
}
