/** Object identifiers RFC 3161 / RFC 5652 / RFC 5035 verification needs. */
export const OID = {
  data: "1.2.840.113549.1.7.1",
  signedData: "1.2.840.113549.1.7.2",
  tstInfo: "1.2.840.113549.1.9.16.1.4",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingCertificate: "1.2.840.113549.1.9.16.2.12",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  extKeyUsage: "2.5.29.37",
  basicConstraints: "2.5.29.19",
  timeStamping: "1.3.6.1.5.5.7.3.8",
} as const;

/** The hash algorithms a messageImprint may use, by name: OID and digest length. */
export const IMPRINT_HASHES = {
  sha256: { oid: "2.16.840.1.101.3.4.2.1", length: 32, node: "sha256" },
  sha384: { oid: "2.16.840.1.101.3.4.2.2", length: 48, node: "sha384" },
  sha512: { oid: "2.16.840.1.101.3.4.2.3", length: 64, node: "sha512" },
} as const;

export type ImprintHash = keyof typeof IMPRINT_HASHES;

/** The node hash name of a digest OID used in ESS certificate ids, or undefined. */
export function hashNameOfOid(oid: string): string | undefined {
  if (oid === "1.3.14.3.2.26") return "sha1";
  return Object.values(IMPRINT_HASHES).find((h) => h.oid === oid)?.node;
}
