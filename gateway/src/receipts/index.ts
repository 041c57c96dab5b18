export { RECEIPT_ERROR_STATUS, type ReceiptErrorCode } from "./codes";
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
} from "./receipt";
export { receiptIssuer } from "./issuer";
export { pae } from "./pae";
export { type ReceiptSigner, publicKeyFromHex, publicKeyHex, receiptKeyId } from "./keyid";
export { type ReceiptEnvelope, type ReceiptSignature, envelopeLine, signReceipt } from "./envelope";
export { verifyReceiptEnvelope } from "./verifyEnvelope";
export { rotationReceipt } from "./rotation";
export { ReceiptLedger, openLedger } from "./ledger";
export { MAX_RANGE, type LedgerHead, type LedgerLine, type LedgerOpenReport, type LedgerOptions } from "./ledgerTypes";
export type { LedgerFile, LedgerFs } from "./ledgerFs";
export type { LedgerRepair } from "./recoverLedger";
export {
  OVERFLOW_KEY,
  RefusalLimiter,
  type Refusal,
  type RefusalLimiterOptions,
  type RefusalOutcome,
} from "./aggregate";
