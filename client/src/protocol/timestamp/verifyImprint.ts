import { TIMESTAMP_CODES, timestampError } from "./codes";
import { IMPRINT_HASHES, type ImprintHash } from "./oids";
import type { ParsedTimestamp } from "./parseTimestamp";

/** Throws NOT_GRANTED unless the TSA granted the request (status 0 or 1, with a token). */
export function verifyGranted(parsed: ParsedTimestamp): void {
  if ((parsed.status !== 0 && parsed.status !== 1) || parsed.tstInfoDer.length === 0) {
    throw timestampError(TIMESTAMP_CODES.NOT_GRANTED, `expected status granted, got ${parsed.status}`);
  }
}

/** Throws IMPRINT_MISMATCH unless the messageImprint is `digest` under `hash` (exact OID, length and bytes). */
export function verifyImprint(parsed: ParsedTimestamp, digest: Uint8Array, hash: ImprintHash): void {
  const imprint = parsed.tstInfo.messageImprint;
  const expected = IMPRINT_HASHES[hash];
  const got = new Uint8Array(imprint.hashedMessage.valueBlock.valueHexView);
  if (imprint.hashAlgorithm.algorithmId !== expected.oid) {
    throw timestampError(
      TIMESTAMP_CODES.IMPRINT_MISMATCH,
      `expected imprint algorithm ${hash} (${expected.oid}), got ${imprint.hashAlgorithm.algorithmId}`,
    );
  }
  if (got.length !== expected.length || Buffer.compare(Buffer.from(got), Buffer.from(digest)) !== 0) {
    throw timestampError(TIMESTAMP_CODES.IMPRINT_MISMATCH, `expected the imprint to be the ${hash} digest given`);
  }
}

/** Throws NONCE_MISMATCH unless the token carries exactly `nonce` (when one was sent). */
export function verifyNonce(parsed: ParsedTimestamp, nonce: bigint | undefined): void {
  if (nonce === undefined) return;
  const got = parsed.tstInfo.nonce?.toBigInt();
  if (got !== nonce) throw timestampError(TIMESTAMP_CODES.NONCE_MISMATCH, `expected nonce ${nonce}, got ${got}`);
}
