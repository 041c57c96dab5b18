import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

import { TIMESTAMP_CODES, timestampError } from "./codes";

/** A certificate with the exact DER it was read from. */
export interface TsaCertificate {
  certificate: pkijs.Certificate;
  der: Uint8Array;
}

/** The pinned TSA material: trust anchors, and intermediates a token may omit. */
export interface TsaTrust {
  anchors: TsaCertificate[];
  intermediates: TsaCertificate[];
}

/** Reads one DER certificate. */
export function tsaCertificate(der: Uint8Array): TsaCertificate {
  const copy = new Uint8Array(der);
  const decoded = asn1js.fromBER(copy);
  if (decoded.offset !== copy.length || decoded.result.error) {
    throw timestampError(TIMESTAMP_CODES.MALFORMED, "expected a DER certificate");
  }
  try {
    return { certificate: new pkijs.Certificate({ schema: decoded.result }), der: copy };
  } catch (cause) {
    throw timestampError(TIMESTAMP_CODES.MALFORMED, "expected an X.509 certificate", cause);
  }
}

/** The DER certificates of a PEM bundle, in order. */
export function pemCertificates(pem: string): Uint8Array[] {
  const blocks = [...pem.matchAll(/-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/g)];
  return blocks.map((m) => new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ""), "base64")));
}

/**
 * The trust a pinned TSA chain (PEM, signer first, root last) gives: its last certificate is the one trust anchor
 * (normally the self-signed root; a pinned intermediate makes a partial chain), the others are intermediates a
 * token may omit. Nothing a token embeds is ever an anchor.
 */
export function tsaTrustFromPem(pem: string): TsaTrust {
  const certs = pemCertificates(pem).map(tsaCertificate);
  if (certs.length === 0)
    throw timestampError(TIMESTAMP_CODES.UNTRUSTED, "expected at least one pinned TSA certificate");
  return { anchors: [certs[certs.length - 1]!], intermediates: certs.slice(0, -1) };
}
