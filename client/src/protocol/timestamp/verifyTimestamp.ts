import { isProtocolError } from "../errors";
import { TIMESTAMP_CODES, timestampError } from "./codes";
import type { ImprintHash } from "./oids";
import { parseTimestamp } from "./parseTimestamp";
import { tsaCertificate, type TsaCertificate, type TsaTrust } from "./tsaTrust";
import { verifyGranted, verifyImprint, verifyNonce } from "./verifyImprint";
import { matchesSid, verifyCmsSignature, verifyEssBinding } from "./verifySignature";
import { verifyTimeStampingEku, verifyTsaChain } from "./verifyTsaChain";

/** What a verified timestamp proves: the digest existed at genTime, per the TSA whose chain verified. */
export interface VerifiedTimestamp {
  genTime: Date;
  /** TSTInfo serialNumber, 0x hex. */
  serialNumber: `0x${string}`;
  /** The TSA policy OID. */
  policy: string;
  nonce: bigint | undefined;
  /** The signer certificate (DER) and the path to the anchor. */
  chain: TsaCertificate[];
}

/** What the caller expects the timestamp to cover and whom it trusts. */
export interface TimestampExpectation {
  /** The digest the imprint must equal (for swarm bundles: sha256 of CLAIM.dsse.json's bytes). */
  digest: Uint8Array;
  /** Default sha256. */
  hashAlgorithm?: ImprintHash;
  /** The nonce the request carried, if any. */
  nonce?: bigint;
  trust: TsaTrust;
}

/** The certificates the SignerInfo names: pinned ones first, then embedded ones (which must still chain). */
function signerCandidates(sid: unknown, trust: TsaTrust, embedded: readonly TsaCertificate[]): TsaCertificate[] {
  const all = [...trust.intermediates, ...trust.anchors, ...embedded];
  const seen = new Set<string>();
  return all.filter((c) => {
    const key = Buffer.from(c.der).toString("hex");
    if (seen.has(key) || !matchesSid(sid, c.certificate)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Verifies an RFC 3161 TimeStampResp (or bare token) offline, in order: it parses as DER; the TSA granted it; the
 * imprint is the expected digest; the nonce matches; a certificate named by the SignerInfo verifies the CMS
 * signature and is bound by ESS signingCertificate; that signer has the timeStamping EKU; and it chains to a pinned
 * anchor with every certificate valid at genTime. Returns genTime; throws a FAILURE_TIMESTAMP_* ProtocolError.
 */
export async function verifyTimestamp(bytes: Uint8Array, expected: TimestampExpectation): Promise<VerifiedTimestamp> {
  const parsed = parseTimestamp(bytes);
  verifyGranted(parsed);
  verifyImprint(parsed, expected.digest, expected.hashAlgorithm ?? "sha256");
  verifyNonce(parsed, expected.nonce);
  const genTime = parsed.tstInfo.genTime;
  const embedded = parsed.embedded.map((c) => tsaCertificate(new Uint8Array(c.toSchema().toBER(false))));
  const candidates = signerCandidates(parsed.signedData.signerInfos[0]!.sid, expected.trust, embedded);
  if (candidates.length === 0) {
    throw timestampError(
      TIMESTAMP_CODES.UNTRUSTED,
      "expected the signer certificate among the pinned or embedded ones",
    );
  }
  let failure: unknown;
  for (const signer of candidates) {
    try {
      await verifyCmsSignature(parsed, signer);
      verifyEssBinding(parsed, signer);
      verifyTimeStampingEku(signer.certificate);
      const chain = await verifyTsaChain(signer, genTime, expected.trust, embedded);
      return {
        genTime,
        serialNumber: `0x${Buffer.from(parsed.tstInfo.serialNumber.valueBlock.valueHexView).toString("hex")}`,
        policy: parsed.tstInfo.policy,
        nonce: parsed.tstInfo.nonce?.toBigInt(),
        chain,
      };
    } catch (err) {
      if (!isProtocolError(err)) throw err;
      failure ??= err;
    }
  }
  throw failure;
}
