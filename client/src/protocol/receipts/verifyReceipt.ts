import { receiptError } from "./codes";
import { verifyIssuer } from "./issuer";
import { RECEIPT_KINDS, type Receipt, type ReceiptEntry, type ReceiptKind } from "./receipt";

const ENTRY_FIELDS = ["actor", "intent", "kind", "result", "subject"] as const;
const RECEIPT_FIELDS = ["actor", "intent", "issuedAt", "issuer", "kind", "prev", "result", "seq", "subject"];
const OBJECT_FIELDS = ["subject", "actor", "intent", "result"] as const;
const SEQ = /^(0|[1-9][0-9]{0,15})$/;
const HASH = /^0x[0-9a-f]{64}$/;
const ISSUED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const HEX_ANY_CASE = /^0x[0-9a-fA-F]+$/;
const LONE_SURROGATE = /\p{Cs}/u;
/** Nesting deeper than this is not a receipt a gateway writes; the cap keeps validation's recursion bounded. */
const MAX_DEPTH = 16;

/** Whether `value` is an object created by a JSON literal or JSON.parse (not a Date, Buffer, Map or class instance). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function invalidValue(path: string, expected: string, got: unknown): never {
  const kind = got === null ? "null" : Array.isArray(got) ? "array" : typeof got;
  throw receiptError("RECEIPT_VALUE_INVALID", `${path}: expected ${expected}, got ${kind}`);
}

function verifyString(value: string, path: string): void {
  // A lone surrogate has no UTF-8 encoding: the signed bytes and the parsed text would disagree.
  if (LONE_SURROGATE.test(value)) invalidValue(path, "well-formed Unicode", "string with a lone surrogate");
  if (HEX_ANY_CASE.test(value) && value !== value.toLowerCase()) invalidValue(path, "lowercase hex", "mixed-case hex");
}

/** Throws RECEIPT_VALUE_INVALID unless `value` is a string, boolean, dense array or plain object of such values. */
export function verifyReceiptValue(value: unknown, path: string, depth = 0): void {
  if (depth > MAX_DEPTH) invalidValue(path, `at most ${MAX_DEPTH} levels of nesting`, "deeper value");
  if (typeof value === "string") return verifyString(value, path);
  if (typeof value === "boolean") return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) invalidValue(`${path}[${i}]`, "a value", "an array hole");
      verifyReceiptValue(value[i], `${path}[${i}]`, depth + 1);
    }
    return;
  }
  if (!isPlainObject(value)) invalidValue(path, "string, boolean, array or plain object", value);
  if (Object.getOwnPropertySymbols(value).length > 0) invalidValue(path, "string keys only", "a symbol key");
  for (const key of Object.keys(value)) {
    if (key === "__proto__") invalidValue(path, "no __proto__ key", "__proto__");
    verifyString(key, `${path} key`);
    verifyReceiptValue(value[key], `${path}.${key}`, depth + 1);
  }
}

/** Throws RECEIPT_SCHEMA_INVALID unless `value` has exactly the keys `fields`. */
export function verifyExactKeys(value: Record<string, unknown>, fields: readonly string[], what: string): void {
  const keys = Object.keys(value).sort();
  if (keys.length !== fields.length || keys.some((k, i) => k !== fields[i])) {
    throw receiptError("RECEIPT_SCHEMA_INVALID", `${what}: expected fields ${fields.join(",")}, got ${keys.join(",")}`);
  }
}

/** Throws RECEIPT_SCHEMA_INVALID unless `kind` is one of the receipt kinds. */
export function verifyKind(kind: unknown): ReceiptKind {
  if (typeof kind !== "string" || !(RECEIPT_KINDS as readonly string[]).includes(kind)) {
    throw receiptError(
      "RECEIPT_SCHEMA_INVALID",
      `expected kind one of ${RECEIPT_KINDS.join(",")}, got ${String(kind)}`,
    );
  }
  return kind as ReceiptKind;
}

function verifyObjectFields(value: Record<string, unknown>): void {
  for (const field of OBJECT_FIELDS) {
    if (!isPlainObject(value[field])) invalidValue(field, "a plain object", value[field]);
    verifyReceiptValue(value[field], field);
  }
}

/** Checks what a caller hands the ledger: exactly kind, subject, actor, intent, result, in the project encoding. */
export function verifyReceiptEntry(value: unknown): ReceiptEntry {
  if (!isPlainObject(value)) throw receiptError("RECEIPT_SCHEMA_INVALID", "expected a receipt entry object");
  verifyExactKeys(value, ENTRY_FIELDS, "receipt entry");
  verifyKind(value.kind);
  verifyObjectFields(value);
  return value as unknown as ReceiptEntry;
}

/** Throws RECEIPT_SCHEMA_INVALID unless `value` is RFC 3339 UTC with milliseconds naming a real instant. */
export function verifyIssuedAt(value: unknown): string {
  if (typeof value !== "string" || !ISSUED_AT.test(value) || !isRealInstant(value)) {
    throw receiptError("RECEIPT_SCHEMA_INVALID", "expected issuedAt as YYYY-MM-DDTHH:MM:SS.sssZ");
  }
  return value;
}

function isRealInstant(value: string): boolean {
  const date = new Date(value);
  return !Number.isNaN(date.getTime()) && date.toISOString() === value;
}

/** Checks a whole receipt payload: exact fields, seq, prev, issuedAt, issuer, kind and the four value objects. */
export function verifyReceiptSchema(value: unknown): Receipt {
  if (!isPlainObject(value)) throw receiptError("RECEIPT_SCHEMA_INVALID", "expected a receipt object");
  verifyExactKeys(value, RECEIPT_FIELDS, "receipt");
  if (typeof value.seq !== "string" || !SEQ.test(value.seq) || !Number.isSafeInteger(Number(value.seq))) {
    throw receiptError("RECEIPT_SCHEMA_INVALID", "expected seq as a decimal string without leading zeros");
  }
  if (typeof value.prev !== "string" || !HASH.test(value.prev)) {
    throw receiptError("RECEIPT_SCHEMA_INVALID", "expected prev as 0x and 64 lowercase hex digits");
  }
  verifyIssuedAt(value.issuedAt);
  verifyIssuer(value.issuer);
  verifyKind(value.kind);
  verifyObjectFields(value);
  return value as unknown as Receipt;
}
