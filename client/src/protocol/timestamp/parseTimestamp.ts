import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

import { isProtocolError } from "../errors";
import { TIMESTAMP_CODES, timestampError } from "./codes";
import { OID } from "./oids";

/** A parsed timestamp: the TSA's status, the token's SignedData, its TSTInfo and the TSTInfo's DER. */
export interface ParsedTimestamp {
  /** PKIStatus (0 granted, 1 grantedWithMods, …); 0 for a bare token. */
  status: number;
  signedData: pkijs.SignedData;
  tstInfo: pkijs.TSTInfo;
  /** The eContent octets: the exact TSTInfo DER the signature covers. */
  tstInfoDer: Uint8Array;
  /** Certificates the token embeds (never trusted for being there). */
  embedded: pkijs.Certificate[];
}

function malformed(message: string, cause?: unknown): never {
  throw timestampError(TIMESTAMP_CODES.MALFORMED, message, cause);
}

/** Decodes exactly one DER value that fills `bytes`, or fails MALFORMED. */
function decodeWhole(bytes: Uint8Array, what: string): asn1js.AsnType {
  const view = new Uint8Array(bytes);
  const decoded = asn1js.fromBER(view);
  if (decoded.offset === -1 || decoded.result.error) malformed(`expected DER ${what}: ${decoded.result.error}`);
  if (decoded.offset !== view.length) malformed(`expected DER ${what} without trailing bytes`);
  return decoded.result;
}

function parseToken(token: pkijs.ContentInfo): Omit<ParsedTimestamp, "status"> {
  if (token.contentType !== OID.signedData) malformed(`expected a SignedData token, got ${token.contentType}`);
  const signedData = new pkijs.SignedData({ schema: token.content });
  const encap = signedData.encapContentInfo;
  if (encap.eContentType !== OID.tstInfo) malformed(`expected eContentType id-ct-TSTInfo, got ${encap.eContentType}`);
  const eContent = encap.eContent;
  if (eContent === undefined) malformed("expected the TSTInfo to be encapsulated");
  const tstInfoDer = new Uint8Array(eContent.getValue());
  const tstInfo = new pkijs.TSTInfo({ schema: decodeWhole(tstInfoDer, "TSTInfo") });
  if (tstInfo.version !== 1) malformed(`expected TSTInfo version 1, got ${tstInfo.version}`);
  if (signedData.signerInfos.length !== 1) {
    malformed(`expected exactly one SignerInfo, got ${signedData.signerInfos.length}`);
  }
  const embedded = (signedData.certificates ?? []).filter(
    (c): c is pkijs.Certificate => c instanceof pkijs.Certificate,
  );
  return { signedData, tstInfo, tstInfoDer, embedded };
}

/**
 * Parses an RFC 3161 TimeStampResp (status + token), or a bare TimeStampToken (a CMS ContentInfo), from DER.
 * Anything else, a truncated or over-long encoding, or trailing bytes, is FAILURE_TIMESTAMP_MALFORMED.
 */
export function parseTimestamp(bytes: Uint8Array): ParsedTimestamp {
  const root = decodeWhole(bytes, "TimeStampResp");
  try {
    const first = (root as asn1js.Sequence).valueBlock?.value?.[0];
    if (first instanceof asn1js.ObjectIdentifier) {
      return { status: 0, ...parseToken(new pkijs.ContentInfo({ schema: root })) };
    }
    const response = new pkijs.TimeStampResp({ schema: root });
    const status = response.status.status;
    if (response.timeStampToken === undefined) return { status, ...emptyToken() };
    return { status, ...parseToken(response.timeStampToken) };
  } catch (err) {
    if (isProtocolError(err)) throw err;
    malformed("expected an RFC 3161 TimeStampResp or TimeStampToken", err);
  }
}

/** A rejection carries no token; verification stops at its status. */
function emptyToken(): Omit<ParsedTimestamp, "status"> {
  return {
    signedData: new pkijs.SignedData(),
    tstInfo: new pkijs.TSTInfo(),
    tstInfoDer: new Uint8Array(),
    embedded: [],
  };
}
