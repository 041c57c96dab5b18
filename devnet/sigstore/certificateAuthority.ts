import "reflect-metadata";

import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

import { type EcKeyPair, generateEcKeyPair, randomSerialNumber } from "./keys";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** The organization every devnet certificate names. */
export const DEVNET_ORGANIZATION = "swarm devnet";
/** Extended key usage OIDs. */
const CODE_SIGNING = "1.3.6.1.5.5.7.3.3";
const TIME_STAMPING = "1.3.6.1.5.5.7.3.8";
/** How long the devnet's CA and TSA certificates are valid from their start. */
const CA_VALIDITY_MS = 10 * 365 * 24 * 3600 * 1000;

/** A certificate and the key pair it certifies. */
export interface IssuedCertificate {
  certificate: x509.X509Certificate;
  keys: EcKeyPair;
}

/** The devnet's PKI, shaped like GitHub's: one root, a Fulcio intermediate, and a TSA intermediate and signer. */
export interface DevnetPki {
  root: IssuedCertificate;
  fulcioIntermediate: IssuedCertificate;
  tsaIntermediate: IssuedCertificate;
  tsaSigner: IssuedCertificate;
  /** Start of every CA certificate's validity (and of the trusted root's windows). */
  notBefore: Date;
}

const name = (commonName: string) => `O=${DEVNET_ORGANIZATION}, CN=${commonName}`;
const signingAlgorithm = (issuer: EcKeyPair) => ({ name: "ECDSA", hash: issuer.hash });

/** Issues a certificate for `keys` signed by `issuer` with exactly `extensions`, in that order. */
async function issue(
  subject: string,
  keys: EcKeyPair,
  issuer: IssuedCertificate,
  window: { notBefore: Date; notAfter: Date },
  extensions: x509.Extension[],
): Promise<IssuedCertificate> {
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject,
    issuer: issuer.certificate.subject,
    ...window,
    signingAlgorithm: signingAlgorithm(issuer.keys),
    publicKey: keys.webPublicKey,
    signingKey: issuer.keys.webPrivateKey,
    extensions,
  });
  return { certificate, keys };
}

/** An intermediate CA's extensions, as GitHub's: key usage, EKU, path length 0, key identifiers. */
async function intermediateExtensions(keys: EcKeyPair, issuer: IssuedCertificate, usage: string) {
  return [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    new x509.ExtendedKeyUsageExtension([usage]),
    new x509.BasicConstraintsExtension(true, 0, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.webPublicKey),
    await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.webPublicKey),
  ];
}

/** Generates the devnet PKI (all ECDSA P-384 with SHA-384, like GitHub's), valid from `start` − 1 h for 10 years. */
export async function createDevnetPki(start: Date): Promise<DevnetPki> {
  const notBefore = new Date(Math.floor(start.getTime() / 1000) * 1000 - 3600 * 1000);
  const window = { notBefore, notAfter: new Date(notBefore.getTime() + CA_VALIDITY_MS) };
  const rootKeys = await generateEcKeyPair("P-384");
  const rootCertificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: name("swarm devnet Sigstore Root"),
    ...window,
    signingAlgorithm: signingAlgorithm(rootKeys),
    keys: { privateKey: rootKeys.webPrivateKey, publicKey: rootKeys.webPublicKey },
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      new x509.BasicConstraintsExtension(true, 1, true),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.webPublicKey),
    ],
  });
  const root = { certificate: rootCertificate, keys: rootKeys };
  const fulcioKeys = await generateEcKeyPair("P-384");
  const fulcioIntermediate = await issue(
    name("Fulcio Intermediate (devnet)"),
    fulcioKeys,
    root,
    window,
    await intermediateExtensions(fulcioKeys, root, CODE_SIGNING),
  );
  const tsaKeys = await generateEcKeyPair("P-384");
  const tsaIntermediate = await issue(
    name("TSA intermediate (devnet)"),
    tsaKeys,
    root,
    window,
    await intermediateExtensions(tsaKeys, root, TIME_STAMPING),
  );
  const signerKeys = await generateEcKeyPair("P-384");
  const tsaSigner = await issue(name("TSA Timestamping (devnet)"), signerKeys, tsaIntermediate, window, [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.BasicConstraintsExtension(false, undefined, true),
    await x509.SubjectKeyIdentifierExtension.create(signerKeys.webPublicKey),
    await x509.AuthorityKeyIdentifierExtension.create(tsaKeys.webPublicKey),
    new x509.ExtendedKeyUsageExtension([TIME_STAMPING], true),
  ]);
  return { root, fulcioIntermediate, tsaIntermediate, tsaSigner, notBefore };
}

/** What goes into a Fulcio leaf certificate. */
export interface LeafRequest {
  /** DER SubjectPublicKeyInfo of the signer's ephemeral key. */
  publicKeySpki: Buffer;
  /** The SAN URI. */
  san: string;
  /** The Fulcio extensions, in order: OID and the exact extension value bytes. */
  extensions: { oid: string; value: Buffer }[];
  notBefore: Date;
  notAfter: Date;
}

/**
 * Issues a code-signing leaf exactly shaped like GitHub's Fulcio certificates: empty subject, key usage
 * digitalSignature (critical), EKU codeSigning, subject and authority key identifiers, the SAN URI (critical),
 * then the Fulcio extensions, none critical.
 */
export async function issueLeafCertificate(intermediate: IssuedCertificate, request: LeafRequest) {
  const publicKey = new x509.PublicKey(new Uint8Array(request.publicKeySpki));
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: "",
    issuer: intermediate.certificate.subject,
    notBefore: request.notBefore,
    notAfter: request.notAfter,
    signingAlgorithm: signingAlgorithm(intermediate.keys),
    publicKey,
    signingKey: intermediate.keys.webPrivateKey,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([CODE_SIGNING]),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(intermediate.keys.webPublicKey),
      new x509.SubjectAlternativeNameExtension([{ type: "url", value: request.san }], true),
      ...request.extensions.map((e) => new x509.Extension(e.oid, false, new Uint8Array(e.value))),
    ],
  });
}
