import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

import type { TimestampIssueRequest } from "../sigstore/timestampAuthority";

/** The imprint algorithms the dev TSA grants, with their digest lengths. */
const IMPRINTS: Record<string, number> = {
  "2.16.840.1.101.3.4.2.1": 32,
  "2.16.840.1.101.3.4.2.2": 48,
  "2.16.840.1.101.3.4.2.3": 64,
};

/**
 * Parses a DER TimeStampReq (RFC 3161 §2.4.1) into what the TSA signs, or undefined when it is not one the dev TSA
 * grants: not exactly one DER value, version ≠ 1, an unknown imprint algorithm or a digest of the wrong length,
 * a requested policy, or extensions.
 */
export function parseTimestampRequest(body: Uint8Array): TimestampIssueRequest | undefined {
  const copy = new Uint8Array(body);
  const decoded = asn1js.fromBER(copy);
  if (decoded.offset !== copy.length || decoded.result.error) return undefined;
  let request: pkijs.TimeStampReq;
  try {
    request = new pkijs.TimeStampReq({ schema: decoded.result });
  } catch {
    return undefined;
  }
  const hashOid = request.messageImprint.hashAlgorithm.algorithmId;
  const imprint = Buffer.from(request.messageImprint.hashedMessage.valueBlock.valueHexView);
  if (request.version !== 1 || IMPRINTS[hashOid] !== imprint.length) return undefined;
  if (request.reqPolicy !== undefined || (request.extensions?.length ?? 0) > 0) return undefined;
  return {
    hashOid,
    imprint,
    certificates: request.certReq === true,
    ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
  };
}
