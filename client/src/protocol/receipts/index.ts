export { RECEIPT_CODES, type ReceiptCode, receiptError } from "./codes";
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
export { pae } from "./pae";
export { decodeStrictBase64 } from "./base64";
export type { ReceiptEnvelope, ReceiptSignature } from "./envelope";
export { publicKeyFromHex, publicKeyHex, receiptKeyId, verifyEd25519PublicKey } from "./keyid";
export { verifyIssuer } from "./issuer";
export { isPlainObject, verifyReceiptEntry, verifyReceiptSchema, verifyReceiptValue } from "./verifyReceipt";
export { verifyReceiptEnvelope } from "./verifyEnvelope";
export { ROTATION_ACTION, rotationReceipt, verifyRotation } from "./rotation";
export { type LineExpectation, parseLedgerLine, verifyLedgerLine } from "./verifyLedgerLine";
export { type LedgerExpectation, type VerifiedLedger, verifyLedgerBytes, verifyLedgerBytesWith } from "./verifyLedger";
export {
  type SignatureCheck,
  type SignatureVerifier,
  createSignaturePool,
  inlineSignatureVerifier,
} from "./signaturePool";
export type { DeferSignature } from "./verifyEnvelope";
