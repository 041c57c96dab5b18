import { expect } from "chai";
import { receiptIssuer } from "../../../gateway/src/receipts/issuer";
import type { Receipt } from "../../../gateway/src/receipts/receipt";
import {
  verifyReceiptEntry,
  verifyReceiptSchema,
  verifyReceiptValue,
} from "../../../gateway/src/receipts/verifyReceipt";
import { entry, expectCode, receipt0 } from "./fixtures/receiptFixtures";

class Amount {
  constructor(readonly value: string) {}
}

const withResult = (result: unknown) => ({ ...receipt0(), result }) as unknown;

describe("receipts/verifyReceipt (schema and project encoding)", () => {
  it("accepts strings, booleans, arrays and nested plain objects", () => {
    const nested = { list: ["1", true, { deep: "0xabcdef" }], empty: {}, flag: false };
    expect(verifyReceiptSchema(withResult(nested))).to.deep.equal({ ...receipt0(), result: nested });
  });

  it("rejects a number sneaking in where the encoding wants a decimal string", async () => {
    await expectCode(() => verifyReceiptSchema(withResult({ step: 1 })), "RECEIPT_VALUE_INVALID");
    await expectCode(() => verifyReceiptSchema(withResult({ list: ["1", 2] })), "RECEIPT_VALUE_INVALID");
  });

  it("rejects undefined, null and bigint values", async () => {
    for (const value of [undefined, null, 5n]) {
      await expectCode(() => verifyReceiptSchema(withResult({ v: value })), "RECEIPT_VALUE_INVALID");
    }
  });

  it("rejects non-plain objects: Date, Buffer, Map, class instances, objects with toJSON", async () => {
    const toJSON = Object.assign(Object.create({ toJSON: () => "x" }) as object, {});
    for (const value of [new Date(0), Buffer.from("ab"), new Map(), new Amount("1"), toJSON]) {
      await expectCode(() => verifyReceiptSchema(withResult({ v: value })), "RECEIPT_VALUE_INVALID");
    }
  });

  it("rejects a sparse array, whose hole JCS would write differently from JSON", async () => {
    const sparse: string[] = [];
    sparse[1] = "x";
    await expectCode(() => verifyReceiptSchema(withResult({ v: sparse })), "RECEIPT_VALUE_INVALID");
  });

  it("rejects mixed-case hex, which would give the same bytes two spellings", async () => {
    await expectCode(() => verifyReceiptSchema(withResult({ tx: "0xABcd" })), "RECEIPT_VALUE_INVALID");
  });

  it("rejects a lone surrogate, which has no UTF-8 encoding, in a value or a key", async () => {
    await expectCode(() => verifyReceiptSchema(withResult({ v: "a\ud800b" })), "RECEIPT_VALUE_INVALID");
    await expectCode(() => verifyReceiptSchema(withResult({ ["k\udc00"]: "x" })), "RECEIPT_VALUE_INVALID");
    expect(() => verifyReceiptValue("emoji \ud83d\ude00", "v")).to.not.throw();
  });

  it("rejects a __proto__ key smuggled in through JSON.parse", async () => {
    await expectCode(
      () => verifyReceiptSchema(withResult(JSON.parse('{"__proto__":{"x":"1"}}'))),
      "RECEIPT_VALUE_INVALID",
    );
  });

  it("rejects nesting beyond the depth cap", async () => {
    let deep: unknown = "x";
    for (let i = 0; i < 20; i++) deep = { d: deep };
    await expectCode(() => verifyReceiptSchema(withResult(deep)), "RECEIPT_VALUE_INVALID");
  });

  it("rejects a missing or extra top-level field", async () => {
    const missing: Record<string, unknown> = { ...receipt0() };
    delete missing.seq;
    await expectCode(() => verifyReceiptSchema(missing), "RECEIPT_SCHEMA_INVALID");
    await expectCode(() => verifyReceiptSchema({ ...receipt0(), extra: "x" }), "RECEIPT_SCHEMA_INVALID");
  });

  it("rejects a seq with a leading zero, a sign, or beyond 2^53", async () => {
    for (const seq of ["01", "-1", "1.0", "9007199254740993", 1]) {
      await expectCode(() => verifyReceiptSchema({ ...receipt0(), seq }), "RECEIPT_SCHEMA_INVALID");
    }
  });

  it("rejects a prev that is not 32 lowercase hex bytes", async () => {
    for (const prev of [`0x${"AB".repeat(32)}`, `0x${"ab".repeat(31)}`, "ab".repeat(32)]) {
      await expectCode(() => verifyReceiptSchema({ ...receipt0(), prev }), "RECEIPT_SCHEMA_INVALID");
    }
  });

  it("rejects issuedAt without milliseconds, with an offset, or naming no real instant", async () => {
    for (const issuedAt of ["2026-11-23T13:00:00Z", "2026-11-23T13:00:00.000+00:00", "2026-02-30T13:00:00.000Z"]) {
      await expectCode(() => verifyReceiptSchema({ ...receipt0(), issuedAt }), "RECEIPT_SCHEMA_INVALID");
    }
  });

  it("rejects an issuer that is not eip155:<chainId>:<lowercase address>", async () => {
    for (const issuer of [
      "eip155:1:0x5FbDB2315678afecb367f032d93F642f64180aa3",
      "eip155:01:0x5fbdb2315678afecb367f032d93f642f64180aa3",
      "eip155:0:0x5fbdb2315678afecb367f032d93f642f64180aa3",
      "cosmos:1:0x5fbdb2315678afecb367f032d93f642f64180aa3",
    ]) {
      await expectCode(() => verifyReceiptSchema({ ...receipt0(), issuer }), "RECEIPT_SCHEMA_INVALID");
    }
  });

  it("builds the CAIP-10 issuer with a lowercased address", () => {
    expect(receiptIssuer(8453n, "0x5FbDB2315678afecb367f032d93F642f64180aa3")).to.equal(
      "eip155:8453:0x5fbdb2315678afecb367f032d93f642f64180aa3",
    );
  });

  it("rejects an unknown kind", async () => {
    await expectCode(() => verifyReceiptSchema({ ...receipt0(), kind: "approved" }), "RECEIPT_SCHEMA_INVALID");
  });

  it("rejects an entry whose subject is an array or a string instead of an object", async () => {
    await expectCode(() => verifyReceiptEntry({ ...entry(), subject: ["x"] }), "RECEIPT_VALUE_INVALID");
    await expectCode(() => verifyReceiptEntry({ ...entry(), subject: "x" }), "RECEIPT_VALUE_INVALID");
  });

  it("rejects an entry carrying ledger-assigned fields", async () => {
    await expectCode(() => verifyReceiptEntry({ ...entry(), seq: "5" } as Receipt), "RECEIPT_SCHEMA_INVALID");
  });
});
