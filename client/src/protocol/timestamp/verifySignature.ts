import { createHash } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

import { TIMESTAMP_CODES, timestampError } from "./codes";
import { OID, hashNameOfOid } from "./oids";
import type { ParsedTimestamp } from "./parseTimestamp";
import { pkiEngine } from "./pkiEngine";
import type { TsaCertificate } from "./tsaTrust";

function sameBytes(a: ArrayBuffer | Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a instanceof Uint8Array ? a : new Uint8Array(a)), Buffer.from(b)) === 0;
}

/** Whether `cert` is the one the SignerInfo's sid names (issuer and serial, or subject key identifier). */
export function matchesSid(sid: unknown, cert: pkijs.Certificate): boolean {
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    return cert.issuer.isEqual(sid.issuer) && cert.serialNumber.isEqual(sid.serialNumber);
  }
  if (sid instanceof asn1js.Primitive) {
    const ski = (cert.extensions ?? []).find((e) => e.extnID === "2.5.29.14")?.parsedValue as
      asn1js.OctetString | undefined;
    return ski !== undefined && sameBytes(ski.valueBlock.valueHexView, sid.valueBlock.valueHexView);
  }
  return false;
}

/** The ESS certificate id (hash algorithm, hash) the signed attributes bind the signer to, or undefined. */
function essCertId(attrs: readonly pkijs.Attribute[]): { hash: string; value: Uint8Array } | undefined {
  const v2 = attrs.find((a) => a.type === OID.signingCertificateV2);
  const v1 = attrs.find((a) => a.type === OID.signingCertificate);
  const attr = v2 ?? v1;
  if (attr === undefined) return undefined;
  const certs = (attr.values[0] as asn1js.Sequence | undefined)?.valueBlock.value[0] as asn1js.Sequence | undefined;
  const first = certs?.valueBlock.value[0] as asn1js.Sequence | undefined;
  const parts = first?.valueBlock.value ?? [];
  let hash = v2 !== undefined ? "sha256" : "sha1";
  let i = 0;
  if (v2 !== undefined && parts[0] instanceof asn1js.Sequence) {
    const oid = (parts[0].valueBlock.value[0] as asn1js.ObjectIdentifier | undefined)?.valueBlock.toString();
    const name = oid === undefined ? undefined : hashNameOfOid(oid);
    if (name === undefined) throw timestampError(TIMESTAMP_CODES.SIGNATURE_INVALID, "expected a known ESS hash");
    hash = name;
    i = 1;
  }
  const certHash = parts[i];
  if (!(certHash instanceof asn1js.OctetString)) {
    throw timestampError(TIMESTAMP_CODES.SIGNATURE_INVALID, "expected an ESS certificate hash");
  }
  return { hash, value: new Uint8Array(certHash.valueBlock.valueHexView) };
}

/**
 * Throws SIGNATURE_INVALID unless the signed attributes bind `signer` through ESS signingCertificate(V2) (RFC 5035;
 * RFC 3161 §2.4.1 requires it), so a token cannot be re-attributed to another certificate with the same key.
 */
export function verifyEssBinding(parsed: ParsedTimestamp, signer: TsaCertificate): void {
  const attrs = parsed.signedData.signerInfos[0]!.signedAttrs?.attributes ?? [];
  const id = essCertId(attrs);
  if (id === undefined) {
    throw timestampError(TIMESTAMP_CODES.SIGNATURE_INVALID, "expected an ESS signingCertificate attribute");
  }
  if (!sameBytes(createHash(id.hash).update(signer.der).digest(), id.value)) {
    throw timestampError(TIMESTAMP_CODES.SIGNATURE_INVALID, "expected the ESS certificate hash to name the signer");
  }
}

/**
 * Throws SIGNATURE_INVALID unless the one SignerInfo's signature, over signed attributes whose messageDigest is the
 * digest of the TSTInfo DER and whose contentType is id-ct-TSTInfo, verifies under `signer`'s key.
 */
export async function verifyCmsSignature(parsed: ParsedTimestamp, signer: TsaCertificate): Promise<void> {
  const info = parsed.signedData.signerInfos[0]!;
  const attrs = info.signedAttrs?.attributes ?? [];
  const contentType = attrs.find((a) => a.type === OID.contentType)?.values[0];
  if (!(contentType instanceof asn1js.ObjectIdentifier) || contentType.valueBlock.toString() !== OID.tstInfo) {
    throw timestampError(TIMESTAMP_CODES.SIGNATURE_INVALID, "expected signed attribute contentType id-ct-TSTInfo");
  }
  const original = parsed.signedData.certificates;
  const encap = parsed.signedData.encapContentInfo;
  parsed.signedData.certificates = [signer.certificate];
  // pkijs re-checks a TSTInfo's imprint against the original data, which a verifier holding only the digest lacks
  // (verifyImprint has checked it already); labelled id-data for this call, the signature check (messageDigest
  // over the eContent octets, signature over the signed attributes) is unchanged: eContentType is not signed.
  encap.eContentType = OID.data;
  let verified = false;
  try {
    const result = await parsed.signedData.verify({ signer: 0, checkChain: false, extendedMode: true }, pkiEngine);
    verified = result.signatureVerified === true;
  } catch {
    verified = false;
  } finally {
    parsed.signedData.certificates = original ?? [];
    encap.eContentType = OID.tstInfo;
  }
  if (!verified) {
    throw timestampError(TIMESTAMP_CODES.SIGNATURE_INVALID, "expected the TSA's CMS signature to verify");
  }
}
