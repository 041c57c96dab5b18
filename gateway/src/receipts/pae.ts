// The DSSE v1 PAE lives in the SDK, shared with every verifier of receipts.
export { pae } from "../../../client/src/protocol/receipts/pae";
