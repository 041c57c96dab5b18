import { type KeyObject, createHash, generateKeyPairSync, sign } from "node:crypto";
import { expect } from "chai";
import { decodeJwt } from "jose";

import { ProtocolError } from "../../../client/src/protocol/errors";
import { canonicalJson, sha256Hex } from "../../../client/src/protocol/jcs";
import { type DevOidcIssuer, type GitHubRunContext, startDevOidcIssuer } from "../../../devnet/oidc";
import { type DevSigstore, startDevSigstore } from "../../../devnet/sigstore";
import { type ManualClock, manualClock } from "../../gateway/oidc/fixtures";

/** A devnet OIDC issuer and a devnet Sigstore trusting it, on one manual clock. */
export interface SigstoreWorld {
  time: ManualClock;
  issuer: DevOidcIssuer;
  sigstore: DevSigstore;
  /** A token of the issuer's default run (or `context`) with audience `sigstore`, claims overridden. */
  token(claims?: Record<string, unknown>, context?: Partial<GitHubRunContext>): string;
  stop(): Promise<void>;
}

/** Starts the issuer and the Sigstore servers on 127.0.0.1; `stop` shuts both. */
export async function startSigstoreWorld(): Promise<SigstoreWorld> {
  const time = manualClock();
  const issuer = await startDevOidcIssuer({ clock: time.clock });
  const sigstore = await startDevSigstore({
    oidc: { issuer: issuer.issuer, jwksUri: issuer.jwksUri },
    clock: time.clock,
  });
  return {
    time,
    issuer,
    sigstore,
    token: (claims = {}, context) => issuer.mint({ aud: "sigstore", ...claims }, context ? { context } : {}),
    async stop() {
      await Promise.all([sigstore.stop(), issuer.stop()]);
    },
  };
}

/** The devnet issuer's default run, as the SAN and extensions a verifier pins. */
export const DEFAULT_SAN = "https://github.com/octo-org/octo-repo/.github/workflows/step.yml@refs/heads/main";
export const DEFAULT_COMMIT = "30bace97d4fbcd657d31d2de06068ab14b491473";

/** A certificate.json (JCS bytes) for step `step` of entitlement 7 on a local chain. */
export function certificateBytes(step = 1): Buffer {
  return Buffer.from(
    canonicalJson({
      version: "1",
      market: { chainId: "31337", address: "0x5fbdb2315678afecb367f032d93f642f64180aa3" },
      offerId: "1",
      entitlementId: "7",
      step: String(step),
      fromStep: String(step - 1),
      commit: `0x${DEFAULT_COMMIT}`,
      stateOut: sha256Hex(`state ${step}`),
      issuedAt: "1781377264",
    }),
    "utf8",
  );
}

/** Asserts that `action` throws (or rejects with) a ProtocolError carrying exactly `code`. */
export async function expectProtocolError(action: () => unknown, code: string): Promise<ProtocolError> {
  let failure: unknown;
  try {
    await action();
  } catch (err) {
    failure = err;
  }
  if (failure === undefined) expect.fail(`expected ${code}, but nothing was thrown`);
  if (!(failure instanceof ProtocolError)) throw failure;
  expect(failure.code, failure.message).to.equal(code);
  return failure;
}

/** A fresh ephemeral P-256 key, as `@sigstore/sign` makes one. */
export function ephemeralKey(): { privateKey: KeyObject; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { privateKey, publicPem: publicKey.export({ type: "spki", format: "pem" }).toString() };
}

/**
 * Fulcio's v2 request as `@sigstore/sign` sends it, for `token` and `key` (default: fresh), with a proof of
 * possession over the token's sub unless `proof` is given; `body` replaces the whole request.
 */
export async function postSigningCert(
  fulcioUrl: string,
  token: string,
  options: { key?: ReturnType<typeof ephemeralKey>; proof?: string; body?: unknown } = {},
): Promise<Response> {
  const key = options.key ?? ephemeralKey();
  const proof =
    options.proof ?? sign("sha256", Buffer.from(String(decodeJwt(token).sub)), key.privateKey).toString("base64");
  const body = options.body ?? {
    credentials: { oidcIdentityToken: token },
    publicKeyRequest: { publicKey: { algorithm: "ECDSA", content: key.publicPem }, proofOfPossession: proof },
  };
  return fetch(`${fulcioUrl}/api/v2/signingCert`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** The leaf certificate (DER) of a successful Fulcio answer. */
export async function leafOf(response: Response): Promise<Buffer<ArrayBuffer>> {
  expect(response.status).to.equal(201);
  const body = (await response.json()) as { signedCertificateDetachedSct: { chain: { certificates: string[] } } };
  return pemToDer(body.signedCertificateDetachedSct.chain.certificates[0]!);
}

/** The DER bytes of a PEM certificate. */
export function pemToDer(pem: string): Buffer<ArrayBuffer> {
  return Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, ""), "base64");
}

/** DSSE's pre-authentication encoding, written out independently of the code under test. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `),
    payload,
  ]);
}

/** A `dsse` 0.0.1 proposed entry, as `@sigstore/sign` builds one, for `payload` signed by `key`. */
export function dsseProposal(payload: Buffer, key = ephemeralKey(), payloadType = "application/vnd.in-toto+json") {
  const sig = sign("sha256", pae(payloadType, payload), key.privateKey).toString("base64");
  const envelope = JSON.stringify({
    payload: payload.toString("base64"),
    payloadType,
    signatures: [{ sig, keyid: "" }],
  });
  return {
    apiVersion: "0.0.1",
    kind: "dsse",
    spec: { proposedContent: { envelope, verifiers: [Buffer.from(key.publicPem).toString("base64")] } },
  };
}

/** POSTs `body` as JSON to `url`. */
export function postJson(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

/** RFC 9162 §2.1.3.2 inclusion verification, written independently of the code under test. */
export function verifyInclusion(index: number, size: number, leaf: Buffer, proof: Buffer[], root: Buffer): boolean {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = createHash("sha256")
        .update(Buffer.from([1]))
        .update(p)
        .update(r)
        .digest();
      while (fn % 2 === 0 && fn !== 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = createHash("sha256")
        .update(Buffer.from([1]))
        .update(r)
        .update(p)
        .digest();
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && r.equals(root);
}
