import "reflect-metadata";

import { createHash, randomBytes, webcrypto } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { z } from "zod";

import type { Clock } from "../../client/src/protocol/clock";
import type { IssuedCertificate } from "./certificateAuthority";
import { SigstoreRefusal } from "./http";

/** Why the TSA refused a request. */
export const TSA_CODES = { REQUEST_MALFORMED: "TSA_REQUEST_MALFORMED" } as const;

/** Sigstore's TSA policy OID, which GitHub's TSA also puts in its TSTInfo. */
export const TSA_POLICY_OID = "1.3.6.1.4.1.57264.2";

const OID = {
  signedData: "1.2.840.113549.1.7.2",
  tstInfo: "1.2.840.113549.1.9.16.1.4",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
} as const;

/** The hash algorithms a request may name, with their OID and digest length. */
const HASHES = {
  sha256: { oid: "2.16.840.1.101.3.4.2.1", length: 32 },
  sha384: { oid: "2.16.840.1.101.3.4.2.2", length: 48 },
  sha512: { oid: "2.16.840.1.101.3.4.2.3", length: 64 },
} as const;

/** sigstore/timestamp-authority's JSON request (`POST /api/v1/timestamp`), as `@sigstore/sign` sends it. */
const timestampRequest = z.object({
  artifactHash: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/),
  hashAlgorithm: z.enum(["sha256", "sha384", "sha512"]),
  certificates: z.boolean().optional(),
  nonce: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
});

const engine = new pkijs.CryptoEngine({ name: "node", crypto: webcrypto as unknown as Crypto });

/** ESS signingCertificateV2 with the signer's SHA-256 cert hash and issuer/serial, as GitHub's TSA includes. */
function signingCertificateV2(signer: pkijs.Certificate, der: Buffer): asn1js.Sequence {
  const issuerSerial = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [signer.issuer.toSchema()] })],
      }),
      signer.serialNumber,
    ],
  });
  const certHash = new asn1js.OctetString({ valueHex: createHash("sha256").update(der).digest() });
  return new asn1js.Sequence({
    value: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [certHash, issuerSerial] })] })],
  });
}

/** A TimeStampResp (RFC 3161) over a client's hash, signed by the TSA certificate, DER. */
export type TimestampAuthority = (body: unknown) => Promise<Buffer<ArrayBuffer>>;

/**
 * Creates the TSA: each answer is a granted TimeStampResp whose TSTInfo (policy `1.3.6.1.4.1.57264.2`, whole-second
 * genTime, accuracy 1 s, random 20-byte serial, the TSA's name) is signed ECDSA-SHA384 with signed attributes
 * contentType, signingTime, messageDigest and signingCertificateV2, the signer identified by issuer and serial.
 * Certificates are embedded only when the request asks (GitHub's embeds none).
 */
export function createTimestampAuthority(signer: IssuedCertificate, chain: Buffer[], clock: Clock): TimestampAuthority {
  const issue = createTimestampIssuer(signer, chain, clock);
  return async (body) => {
    const parsed = timestampRequest.safeParse(body);
    const hash = parsed.success ? HASHES[parsed.data.hashAlgorithm] : undefined;
    const imprint = parsed.success ? Buffer.from(parsed.data.artifactHash, "base64") : Buffer.alloc(0);
    if (!parsed.success || imprint.length !== hash!.length) {
      throw new SigstoreRefusal(400, TSA_CODES.REQUEST_MALFORMED, "expected {artifactHash, hashAlgorithm}");
    }
    return issue({
      hashOid: hash!.oid,
      imprint,
      certificates: parsed.data.certificates === true,
      ...(parsed.data.nonce === undefined ? {} : { nonce: new asn1js.Integer({ value: parsed.data.nonce }) }),
    });
  };
}

/** A request the TSA grants, however it arrived (Sigstore's JSON API or an RFC 3161 TimeStampReq). */
export interface TimestampIssueRequest {
  /** The imprint's hash algorithm OID (sha256, sha384 or sha512) and the digest under it. */
  hashOid: string;
  imprint: Buffer;
  nonce?: asn1js.Integer;
  /** Embed the certificate chain (RFC 3161 certReq). */
  certificates: boolean;
}

/** The TSA's signing core: a granted TimeStampResp (DER) for a request already checked by its front end. */
export function createTimestampIssuer(
  signer: IssuedCertificate,
  chain: Buffer[],
  clock: Clock,
): (request: TimestampIssueRequest) => Promise<Buffer<ArrayBuffer>> {
  const signerDer = Buffer.from(signer.certificate.rawData);
  const signerCertificate = pkijs.Certificate.fromBER(signerDer);
  return async (request) => {
    const genTime = new Date(Math.floor(clock().getTime() / 1000) * 1000);
    const tstInfo = new pkijs.TSTInfo({
      version: 1,
      policy: TSA_POLICY_OID,
      messageImprint: new pkijs.MessageImprint({
        hashAlgorithm: new pkijs.AlgorithmIdentifier({
          algorithmId: request.hashOid,
          algorithmParams: new asn1js.Null(),
        }),
        hashedMessage: new asn1js.OctetString({ valueHex: request.imprint }),
      }),
      serialNumber: new asn1js.Integer({ valueHex: Buffer.concat([Buffer.from([0x01]), randomBytes(19)]) }),
      genTime,
      accuracy: new pkijs.Accuracy({ seconds: 1 }),
      tsa: new pkijs.GeneralName({ type: 4, value: signerCertificate.subject }),
      ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
    });
    const tstDer = Buffer.from(tstInfo.toSchema().toBER());
    const attribute = (type: string, value: asn1js.AsnType) => new pkijs.Attribute({ type, values: [value] });
    const signedData = new pkijs.SignedData({
      version: 3,
      encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.tstInfo }),
      signerInfos: [
        new pkijs.SignerInfo({
          version: 1,
          sid: new pkijs.IssuerAndSerialNumber({
            issuer: signerCertificate.issuer,
            serialNumber: signerCertificate.serialNumber,
          }),
          signedAttrs: new pkijs.SignedAndUnsignedAttributes({
            type: 0,
            attributes: [
              attribute(OID.contentType, new asn1js.ObjectIdentifier({ value: OID.tstInfo })),
              attribute(OID.signingTime, new asn1js.UTCTime({ valueDate: genTime })),
              attribute(
                OID.messageDigest,
                new asn1js.OctetString({ valueHex: createHash("sha384").update(tstDer).digest() }),
              ),
              attribute(OID.signingCertificateV2, signingCertificateV2(signerCertificate, signerDer)),
            ],
          }),
        }),
      ],
      ...(request.certificates ? { certificates: chain.map((c) => pkijs.Certificate.fromBER(new Uint8Array(c))) } : {}),
    });
    // Assigned after construction: given to the constructor, pkijs would make the OCTET STRING constructed.
    signedData.encapContentInfo.eContent = new asn1js.OctetString({ valueHex: tstDer });
    await signedData.sign(signer.keys.webPrivateKey, 0, "SHA-384", undefined, engine);
    const response = new pkijs.TimeStampResp({
      status: new pkijs.PKIStatusInfo({ status: pkijs.PKIStatus.granted }),
      timeStampToken: new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) }),
    });
    return Buffer.from(response.toSchema().toBER());
  };
}
