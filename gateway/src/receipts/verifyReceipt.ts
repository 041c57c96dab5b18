import * as shared from "../../../client/src/protocol/receipts/verifyReceipt";
import { withReceiptErrors } from "./codes";

// Receipt schema checks are shared with the SDK; here they throw GatewayErrors with the same codes.

/** Whether `value` is an object created by a JSON literal or JSON.parse (not a Date, Buffer, Map or class instance). */
export const isPlainObject = shared.isPlainObject;
/** Throws RECEIPT_VALUE_INVALID unless `value` is a string, boolean, dense array or plain object of such values. */
export const verifyReceiptValue = withReceiptErrors(shared.verifyReceiptValue);
/** Throws RECEIPT_SCHEMA_INVALID unless `value` has exactly the keys `fields`. */
export const verifyExactKeys = withReceiptErrors(shared.verifyExactKeys);
/** Throws RECEIPT_SCHEMA_INVALID unless `kind` is one of the receipt kinds. */
export const verifyKind = withReceiptErrors(shared.verifyKind);
/** Checks what a caller hands the ledger: exactly kind, subject, actor, intent, result, in the project encoding. */
export const verifyReceiptEntry = withReceiptErrors(shared.verifyReceiptEntry);
/** Throws RECEIPT_SCHEMA_INVALID unless `value` is RFC 3339 UTC with milliseconds naming a real instant. */
export const verifyIssuedAt = withReceiptErrors(shared.verifyIssuedAt);
/** Checks a whole receipt payload: exact fields, seq, prev, issuedAt, issuer, kind and the four value objects. */
export const verifyReceiptSchema = withReceiptErrors(shared.verifyReceiptSchema);
