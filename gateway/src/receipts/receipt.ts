// The receipt format is shared with the SDK (client/src/protocol/receipts/receipt.ts); this re-export keeps the
// gateway's import paths.
export {
  GENESIS_PREV,
  MAX_LINE_BYTES,
  RECEIPT_KINDS,
  RECEIPT_PAYLOAD_TYPE,
  type Hex,
  type Receipt,
  type ReceiptEntry,
  type ReceiptKind,
  type ReceiptObject,
  type ReceiptValue,
} from "../../../client/src/protocol/receipts/receipt";
