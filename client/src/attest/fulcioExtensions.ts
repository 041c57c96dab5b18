/**
 * Fulcio's certificate extensions (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md), as GitHub's
 * certificates carry them. `.1.1`–`.1.6` are deprecated and hold the raw string bytes; `.1.8` and later hold a
 * DER UTF8String, and Sigstore's OID policy compares that whole encoding (tag, length and value).
 */
export const FULCIO_OIDS = {
  issuer: "1.3.6.1.4.1.57264.1.8",
  buildSignerUri: "1.3.6.1.4.1.57264.1.9",
  buildSignerDigest: "1.3.6.1.4.1.57264.1.10",
  runnerEnvironment: "1.3.6.1.4.1.57264.1.11",
  sourceRepositoryUri: "1.3.6.1.4.1.57264.1.12",
  sourceRepositoryDigest: "1.3.6.1.4.1.57264.1.13",
  sourceRepositoryRef: "1.3.6.1.4.1.57264.1.14",
  sourceRepositoryIdentifier: "1.3.6.1.4.1.57264.1.15",
  sourceRepositoryOwnerUri: "1.3.6.1.4.1.57264.1.16",
  sourceRepositoryOwnerIdentifier: "1.3.6.1.4.1.57264.1.17",
  buildConfigUri: "1.3.6.1.4.1.57264.1.18",
  buildConfigDigest: "1.3.6.1.4.1.57264.1.19",
  buildTrigger: "1.3.6.1.4.1.57264.1.20",
  runInvocationUri: "1.3.6.1.4.1.57264.1.21",
  sourceRepositoryVisibility: "1.3.6.1.4.1.57264.1.22",
  deploymentEnvironment: "1.3.6.1.4.1.57264.1.23",
  tokenSubject: "1.3.6.1.4.1.57264.1.24",
} as const;

/** The deprecated GitHub-specific extensions: raw string bytes, no DER wrapping. */
export const FULCIO_LEGACY_OIDS = {
  issuer: "1.3.6.1.4.1.57264.1.1",
  githubWorkflowTrigger: "1.3.6.1.4.1.57264.1.2",
  githubWorkflowSha: "1.3.6.1.4.1.57264.1.3",
  githubWorkflowName: "1.3.6.1.4.1.57264.1.4",
  githubWorkflowRepository: "1.3.6.1.4.1.57264.1.5",
  githubWorkflowRef: "1.3.6.1.4.1.57264.1.6",
} as const;

/** A name of a DER-encoded Fulcio extension. */
export type FulcioExtensionName = keyof typeof FULCIO_OIDS;

/** The universal tag of UTF8String. */
const UTF8_STRING_TAG = 0x0c;

/** DER length octets: short form below 128, else long form. */
function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const octets: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) octets.unshift(n % 256);
  return Buffer.from([0x80 | octets.length, ...octets]);
}

/** The DER encoding of `value` as a UTF8String: the exact bytes inside a `.1.8`+ extension value. */
export function derUtf8String(value: string): Buffer {
  const body = Buffer.from(value, "utf8");
  return Buffer.concat([Buffer.from([UTF8_STRING_TAG]), derLength(body.length), body]);
}

/** The dotted OID as the integer arcs Sigstore's policy compares. */
export function oidArcs(oid: string): number[] {
  return oid.split(".").map(Number);
}
