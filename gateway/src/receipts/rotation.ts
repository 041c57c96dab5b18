import * as shared from "../../../client/src/protocol/receipts/rotation";
import { withReceiptErrors } from "./codes";

// Key-rotation entries are shared with the SDK (a verifier follows them); here they throw GatewayErrors.

/** intent.action of every key-rotation receipt. */
export const ROTATION_ACTION = shared.ROTATION_ACTION;
/** The key-rotation entry handing the ledger over from `oldPublicKey` to `newPublicKey` (signed with the OLD key). */
export const rotationReceipt = withReceiptErrors(shared.rotationReceipt);
/** Checks a key-rotation receipt signed by `currentKey` and returns the key that signs every later line. */
export const verifyRotation = withReceiptErrors(shared.verifyRotation);
