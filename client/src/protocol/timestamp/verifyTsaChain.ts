import * as pkijs from "pkijs";

import { TIMESTAMP_CODES, timestampError } from "./codes";
import { OID } from "./oids";
import { pkiEngine } from "./pkiEngine";
import type { TsaCertificate, TsaTrust } from "./tsaTrust";

const MAX_DEPTH = 6;

function sameDer(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

function subjectOf(c: pkijs.Certificate): string {
  return c.subject.typesAndValues.map((tv) => `${tv.type}=${tv.value.valueBlock.value}`).join(",");
}

/** Throws TIME_INVALID unless notBefore ≤ genTime ≤ notAfter. */
export function verifyValidAt(c: pkijs.Certificate, genTime: Date): void {
  const from = c.notBefore.value;
  const to = c.notAfter.value;
  if (genTime < from || genTime > to) {
    throw timestampError(
      TIMESTAMP_CODES.TIME_INVALID,
      `expected genTime ${genTime.toISOString()} within ${from.toISOString()}..${to.toISOString()} of ${subjectOf(c)}`,
    );
  }
}

/** Throws EKU_INVALID unless the signer has a critical extendedKeyUsage of exactly id-kp-timeStamping (RFC 3161 §2.3). */
export function verifyTimeStampingEku(signer: pkijs.Certificate): void {
  const ext = (signer.extensions ?? []).filter((e) => e.extnID === OID.extKeyUsage);
  const usage = ext[0]?.parsedValue as pkijs.ExtKeyUsage | undefined;
  const purposes = usage?.keyPurposes ?? [];
  if (ext.length !== 1 || ext[0]!.critical !== true || purposes.length !== 1 || purposes[0] !== OID.timeStamping) {
    throw timestampError(
      TIMESTAMP_CODES.EKU_INVALID,
      "expected a critical extendedKeyUsage of only id-kp-timeStamping",
    );
  }
}

function isCa(c: pkijs.Certificate): boolean {
  const ext = (c.extensions ?? []).find((e) => e.extnID === OID.basicConstraints);
  return (ext?.parsedValue as pkijs.BasicConstraints | undefined)?.cA === true;
}

/**
 * Builds and checks the path from the signer to a pinned anchor: each link's issuer name matches and its signature
 * verifies, every issuer is a CA, and every certificate on the path (anchor included) is valid at genTime. The
 * signer may itself be an anchor. `extra` (certificates the token embeds) may supply intermediates, never anchors.
 */
export async function verifyTsaChain(
  signer: TsaCertificate,
  genTime: Date,
  trust: TsaTrust,
  extra: readonly TsaCertificate[],
): Promise<TsaCertificate[]> {
  const pool = [...trust.intermediates, ...extra];
  const path: TsaCertificate[] = [signer];
  let current = signer;
  for (let depth = 0; depth <= MAX_DEPTH; depth++) {
    verifyValidAt(current.certificate, genTime);
    if (trust.anchors.some((a) => sameDer(a.der, current.der))) return path;
    const issuers = [...trust.anchors, ...pool].filter((c) =>
      current.certificate.issuer.isEqual(c.certificate.subject),
    );
    let next: TsaCertificate | undefined;
    for (const candidate of issuers) {
      if (!isCa(candidate.certificate) || sameDer(candidate.der, current.der)) continue;
      if (await current.certificate.verify(candidate.certificate, pkiEngine).catch(() => false)) {
        next = candidate;
        break;
      }
    }
    if (next === undefined) {
      throw timestampError(
        TIMESTAMP_CODES.UNTRUSTED,
        `expected ${subjectOf(current.certificate)} to chain to the pinned TSA anchor`,
      );
    }
    path.push(next);
    current = next;
  }
  throw timestampError(TIMESTAMP_CODES.UNTRUSTED, `expected a TSA chain of at most ${MAX_DEPTH} certificates`);
}
