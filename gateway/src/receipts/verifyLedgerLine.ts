import * as shared from "../../../client/src/protocol/receipts/verifyLedgerLine";
import { withReceiptErrors } from "./codes";

// Ledger-line verification is shared with the SDK; here it throws GatewayErrors with the same codes.

export type { LineExpectation } from "../../../client/src/protocol/receipts/verifyLedgerLine";
/** A line parsed as UTF-8 JSON with its text, or undefined when it is unreadable. */
export const parseLedgerLine = shared.parseLedgerLine;
/** Throws LEDGER_CORRUPT unless the line's text is the JCS form of its own JSON. */
export const verifyCanonicalLine = withReceiptErrors(shared.verifyCanonicalLine);
/** Throws LEDGER_CORRUPT or LEDGER_ISSUER_MISMATCH unless the receipt sits where it claims: seq, prev, issuer. */
export const verifyChainPosition = withReceiptErrors(shared.verifyChainPosition);
/** Verifies one parsed line at its position; returns the receipt and the next line's key. */
export const verifyLedgerLine = withReceiptErrors(shared.verifyLedgerLine);
