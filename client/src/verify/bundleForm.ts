import type { Bundle } from "@sigstore/bundle";

import { VerifyCode } from "./codes";
import { failVerify } from "./failure";

/*
 * Strict form checks on bundle fields that `@sigstore/verify` 3.1 reads leniently, so that no byte of a bundle
 * can change without changing the outcome (found by the tampering campaign): the outer DER SEQUENCE of the leaf
 * certificate and of each RFC 3161 response (tag and length lie outside the signed bytes), an inclusion proof's rootHash and treeSize
 * (the library uses the checkpoint's copies), and the checkpoint note's trailing lines (ignored by its parser).
 */

/** The DER definite length at `offset` (minimal form), and where the content starts; undefined if malformed. */
function derLength(der: Uint8Array, offset: number): { length: number; start: number } | undefined {
  const first = der[offset];
  if (first === undefined) return undefined;
  if (first < 0x80) return { length: first, start: offset + 1 };
  const octets = first & 0x7f;
  if (octets === 0 || octets > 4 || der[offset + 1] === 0) return undefined;
  let length = 0;
  for (let i = 1; i <= octets; i++) {
    const b = der[offset + i];
    if (b === undefined) return undefined;
    length = length * 256 + b;
  }
  if (length < 0x80) return undefined;
  return { length, start: offset + 1 + octets };
}

/** `raw` is one DER SEQUENCE spanning exactly its bytes (else FAILURE_BUNDLE_MALFORMED, naming `what`). */
export function verifyDerSequence(raw: Uint8Array, what: string): void {
  const len = raw[0] === 0x30 ? derLength(raw, 1) : undefined;
  if (len === undefined || len.start + len.length !== raw.length) {
    failVerify(VerifyCode.BUNDLE_MALFORMED, `expected ${what} as one DER SEQUENCE`);
  }
}

/** Every RFC 3161 TimeStampResp of the bundle is one DER SEQUENCE (its outer tag is not covered by the TSA). */
export function verifyTimestampEnvelopes(bundle: Bundle): void {
  for (const ts of bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps ?? []) {
    verifyDerSequence(ts.signedTimestamp, "an RFC 3161 timestamp");
  }
}

const SIGNATURE_LINE = /^\u2014 [^\s]+ [A-Za-z0-9+/]+={0,2}$/;

/**
 * Each tlog entry's inclusion proof agrees with its checkpoint (tree size and root hash), and the checkpoint
 * note is a header, one blank line and signature lines only, ending in a newline (else FAILURE_INCLUSION_INVALID).
 */
export function verifyInclusionProofForm(bundle: Bundle): void {
  for (const entry of bundle.verificationMaterial.tlogEntries) {
    const proof = entry.inclusionProof;
    const note = proof?.checkpoint?.envelope ?? "";
    if (proof === undefined || note === "") continue; // v0.1 proofs may lack a checkpoint: the library decides
    const split = note.indexOf("\n\n");
    const header = split < 0 ? [] : note.slice(0, split).split("\n");
    const signatures = split < 0 ? [] : note.slice(split + 2).split("\n");
    const wellFormed =
      note.endsWith("\n") &&
      header.length >= 3 &&
      signatures.pop() === "" &&
      signatures.length > 0 &&
      signatures.every((line) => SIGNATURE_LINE.test(line));
    if (!wellFormed) failVerify(VerifyCode.INCLUSION_INVALID, "expected a checkpoint note of header and signatures");
    if (header[1] !== proof.treeSize) failVerify(VerifyCode.INCLUSION_INVALID, "treeSize is not the checkpoint's");
    if (!Buffer.from(header[2]!, "base64").equals(Buffer.from(proof.rootHash))) {
      failVerify(VerifyCode.INCLUSION_INVALID, "rootHash is not the checkpoint's");
    }
  }
}
