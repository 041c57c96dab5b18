import type { StepPermit } from "../../../client/src/protocol/eip712";
import { ProtocolError } from "../../../client/src/protocol/errors";
import { parseStepPermitJson } from "../../../client/src/protocol/stepPermitJson";
import { GatewayError } from "../errors";

export { permitSignatureJson as signatureJson, stepPermitJson } from "../../../client/src/protocol/stepPermitJson";

/** The JSON form of a permit (shared with the SDK). */
export { stepPermitToJson } from "../../../client/src/protocol/eip712";

/** Parses a JSON permit into its typed form, or refuses it with `PERMIT_MALFORMED` (400). */
export function parseStepPermit(value: unknown): StepPermit {
  try {
    return parseStepPermitJson(value);
  } catch (err) {
    if (err instanceof ProtocolError) throw new GatewayError(err.code, 400, err.message);
    throw err;
  }
}
