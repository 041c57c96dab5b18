import * as shared from "../../../client/src/protocol/receipts/verifyEnvelope";
import { withReceiptErrors } from "./codes";

// Envelope verification is shared with the SDK; here each step throws GatewayErrors with the same codes.

/** Checks the envelope's shape and returns it typed (RECEIPT_ENVELOPE_MALFORMED, RECEIPT_TOO_LARGE). */
export const verifyEnvelopeShape = withReceiptErrors(shared.verifyEnvelopeShape);
/** Throws RECEIPT_PAYLOAD_TYPE_INVALID unless the envelope carries a swarm receipt. */
export const verifyPayloadType = withReceiptErrors(shared.verifyPayloadType);
/** Throws RECEIPT_KEYID_MISMATCH unless the signature names the expected key's receiptKid. */
export const verifyKeyId = withReceiptErrors(shared.verifyKeyId);
/** Throws RECEIPT_SIGNATURE_INVALID unless the Ed25519 signature verifies over PAE(payloadType, body). */
export const verifyEnvelopeSignature = withReceiptErrors(shared.verifyEnvelopeSignature);
/** Parses the payload bytes, throwing RECEIPT_PAYLOAD_NOT_CANONICAL unless they are UTF-8 JSON in JCS form. */
export const verifyCanonicalPayload = withReceiptErrors(shared.verifyCanonicalPayload);
/** Verifies a receipt envelope against the issuer's Ed25519 key and returns the receipt. */
export const verifyReceiptEnvelope = withReceiptErrors(shared.verifyReceiptEnvelope);
