import { type KeyObject, createPublicKey, verify } from "node:crypto";
import { z } from "zod";

import type { Clock } from "../../client/src/protocol/clock";
import { type IssuedCertificate, issueLeafCertificate } from "./certificateAuthority";
import { type GitHubWorkflowClaims, githubFulcioExtensions, githubSan } from "./githubExtensions";
import { SigstoreRefusal } from "./http";

/** A Fulcio signing certificate is valid for 10 minutes from issuance, as GitHub's and public-good's. */
export const LEAF_VALIDITY_SECONDS = 600;

/** Why Fulcio refused a request (besides the token codes). */
export const FULCIO_CODES = {
  REQUEST_MALFORMED: "FULCIO_REQUEST_MALFORMED",
  PUBLIC_KEY_UNSUPPORTED: "FULCIO_PUBLIC_KEY_UNSUPPORTED",
  PROOF_OF_POSSESSION_INVALID: "FULCIO_PROOF_OF_POSSESSION_INVALID",
} as const;

/** Fulcio v2 `CreateSigningCertificateRequest` with a public key (the CSR form is not offered). */
const signingCertRequest = z.strictObject({
  credentials: z.strictObject({
    oidcIdentityToken: z
      .string()
      .min(1)
      .max(16 * 1024),
  }),
  publicKeyRequest: z.strictObject({
    publicKey: z.strictObject({ algorithm: z.literal("ECDSA").optional(), content: z.string().max(4096) }),
    proofOfPossession: z.string().min(1).max(1024),
  }),
});

/** The curves accepted for the ephemeral key (node's names). */
const ACCEPTED_CURVES = new Set(["prime256v1", "secp384r1"]);

/** Fulcio v2's answer: the chain, leaf first; no SCT (the devnet runs no CT log, like GitHub's instance). */
export interface SigningCertResponse {
  signedCertificateDetachedSct: { chain: { certificates: string[] } };
}

/** What the CA needs: the token verifier, the issuing intermediate, the chain above it, the clock. */
export interface FulcioCa {
  verifyToken(token: string): Promise<GitHubWorkflowClaims>;
  intermediate: IssuedCertificate;
  /** PEM certificates above the leaf: intermediate, root. */
  chainPem: string[];
  clock: Clock;
}

/** The ephemeral public key: a PEM SubjectPublicKeyInfo on P-256 or P-384. */
function parsePublicKey(pem: string): KeyObject {
  if (!pem.trimStart().startsWith("-----BEGIN PUBLIC KEY-----")) {
    throw new SigstoreRefusal(400, FULCIO_CODES.PUBLIC_KEY_UNSUPPORTED, "expected a PEM public key");
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new SigstoreRefusal(400, FULCIO_CODES.PUBLIC_KEY_UNSUPPORTED, "expected a parseable public key", {
      cause: err,
    });
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== "ec" || curve === undefined || !ACCEPTED_CURVES.has(curve)) {
    throw new SigstoreRefusal(400, FULCIO_CODES.PUBLIC_KEY_UNSUPPORTED, "expected an ECDSA P-256 or P-384 key");
  }
  return key;
}

/** Proof of possession: the key's ECDSA-SHA256 signature over the token's `sub` (Fulcio's challenge claim). */
function verifyProofOfPossession(key: KeyObject, subject: string, proof: string): void {
  const signature = Buffer.from(proof, "base64");
  let ok = false;
  try {
    ok = verify("sha256", Buffer.from(subject, "utf8"), key, signature);
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new SigstoreRefusal(
      400,
      FULCIO_CODES.PROOF_OF_POSSESSION_INVALID,
      "expected the proof of possession to be the key's signature over the token's sub",
    );
  }
}

/**
 * `POST /api/v2/signingCert`: checks the request's shape, the identity token, the proof of possession, then
 * issues a 10-minute leaf for the key with the GitHub workflow identity of the token.
 */
export async function createSigningCertificate(ca: FulcioCa, body: unknown): Promise<SigningCertResponse> {
  const parsed = signingCertRequest.safeParse(body);
  if (!parsed.success) {
    throw new SigstoreRefusal(400, FULCIO_CODES.REQUEST_MALFORMED, "expected {credentials, publicKeyRequest}");
  }
  const { credentials, publicKeyRequest } = parsed.data;
  const claims = await ca.verifyToken(credentials.oidcIdentityToken);
  const key = parsePublicKey(publicKeyRequest.publicKey.content);
  verifyProofOfPossession(key, claims.sub, publicKeyRequest.proofOfPossession);
  const notBefore = new Date(Math.floor(ca.clock().getTime() / 1000) * 1000);
  const leaf = await issueLeafCertificate(ca.intermediate, {
    publicKeySpki: key.export({ type: "spki", format: "der" }),
    san: githubSan(claims),
    extensions: githubFulcioExtensions(claims),
    notBefore,
    notAfter: new Date(notBefore.getTime() + LEAF_VALIDITY_SECONDS * 1000),
  });
  return { signedCertificateDetachedSct: { chain: { certificates: [`${leaf.toString("pem")}\n`, ...ca.chainPem] } } };
}
