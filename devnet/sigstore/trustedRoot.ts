import type { CertificateAuthorityJson, TrustedRootJson } from "../../client/src/attest/trustedRoot";
import { DEVNET_ORGANIZATION, type DevnetPki } from "./certificateAuthority";
import type { EcKeyPair } from "./keys";

/** What the trusted root describes: the PKI, the log's key and ID, and where each service answers. */
export interface TrustedRootInputs {
  pki: DevnetPki;
  log: { keys: EcKeyPair; logId: Buffer };
  fulcioUrl: string;
  rekorUrl: string;
  tsaUrl: string;
}

/** RFC 3339 with whole seconds, as Sigstore's roots write it. */
const rfc3339 = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");
const der = (certificate: { rawData: ArrayBuffer }) => ({
  rawBytes: Buffer.from(certificate.rawData).toString("base64"),
});

/**
 * The devnet's `trusted_root.json` (protobuf-specs JSON form): the Fulcio CA (intermediate, root), the Rekor log
 * (P-256 key, log ID, base URL = the checkpoint origin with a scheme), the TSA (signer, intermediate, root), all
 * valid from the PKI's start and open-ended. No CT logs: the devnet Fulcio issues no SCTs, so verifiers must set
 * `ctlogThreshold: 0` (as for GitHub's own Sigstore instance).
 */
export function buildTrustedRoot(inputs: TrustedRootInputs): TrustedRootJson {
  const validFor = { start: rfc3339(inputs.pki.notBefore) };
  const { root, fulcioIntermediate, tsaIntermediate, tsaSigner } = inputs.pki;
  const authority = (commonName: string, uri: string, chain: { rawData: ArrayBuffer }[]): CertificateAuthorityJson => ({
    subject: { organization: DEVNET_ORGANIZATION, commonName },
    uri,
    certChain: { certificates: chain.map(der) },
    validFor,
  });
  return {
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    tlogs: [
      {
        baseUrl: inputs.rekorUrl,
        hashAlgorithm: "SHA2_256",
        publicKey: {
          rawBytes: inputs.log.keys.spki.toString("base64"),
          keyDetails: "PKIX_ECDSA_P256_SHA_256",
          validFor,
        },
        logId: { keyId: inputs.log.logId.toString("base64") },
      },
    ],
    certificateAuthorities: [
      authority("swarm devnet Sigstore Root", inputs.fulcioUrl, [fulcioIntermediate.certificate, root.certificate]),
    ],
    ctlogs: [],
    timestampAuthorities: [
      authority("swarm devnet Sigstore Root", inputs.tsaUrl, [
        tsaSigner.certificate,
        tsaIntermediate.certificate,
        root.certificate,
      ]),
    ],
  };
}
