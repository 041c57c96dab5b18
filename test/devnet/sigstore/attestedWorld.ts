import { createHash, sign } from "node:crypto";
import { type SerializedBundle, bundleToJSON, toDSSEBundle } from "@sigstore/bundle";

import {
  IN_TOTO_PAYLOAD_TYPE,
  type VerifiedAttestation,
  type VerifyAttestationOptions,
  attestCertificate,
  buildStepStatement,
  verifyAttestationBundle,
} from "../../../client/src/attest";
import { canonicalJson, sha256Hex } from "../../../client/src/protocol/jcs";
import {
  type SigstoreWorld,
  DEFAULT_SAN,
  certificateBytes,
  ephemeralKey,
  leafOf,
  pae,
  postSigningCert,
  startSigstoreWorld,
} from "./sigstoreWorld";

/** A devnet world holding both kinds of attestation of one certificate, and ways to make and verify more. */
export interface AttestedWorld extends SigstoreWorld {
  bytes: Buffer;
  /** sha256 of `bytes`, 0x-prefixed: the certificateHash. */
  digest: string;
  /** GitHub style: an RFC 3161 timestamp, no tlog entry. */
  tsaBundle: SerializedBundle;
  /** Public-good style: one Rekor entry, in a tree of 3 so that its inclusion proof has hashes. */
  tlogBundle: SerializedBundle;
  /** Verifies against the devnet root, the default run's identity and `digest`, with `overrides`. */
  verify(bundle: unknown, overrides?: Partial<VerifyAttestationOptions>): VerifiedAttestation;
  /** The statement of `bytes`, changed by `change`, as JCS bytes. */
  statementWith(change: (statement: Record<string, unknown>) => void): Buffer;
  /**
   * Signs `payload` by hand as the standard client would (Fulcio leaf, DSSE, TSA timestamp), the clock moved by
   * `timestampDelaySeconds` between certificate and timestamp: statements and timings the client never makes.
   */
  signByHand(
    payload: Buffer,
    options?: { payloadType?: string; timestampDelaySeconds?: number },
  ): Promise<SerializedBundle>;
}

/** A deep copy to tamper with. */
export const clone = <T>(value: T): T => structuredClone(value);

/** base64 of `text` with byte `at` (default: the last) XORed with 0x01. */
export function flip(text: string, at?: number): string {
  const bytes = Buffer.from(text, "base64");
  bytes[at ?? bytes.length - 1]! ^= 0x01;
  return bytes.toString("base64");
}

/** Starts a Sigstore world and attests `certificateBytes(1)` both ways with the standard client. */
export async function startAttestedWorld(): Promise<AttestedWorld> {
  const world = await startSigstoreWorld();
  const bytes = certificateBytes(1);
  const digest = sha256Hex(bytes);
  const attest = (sigstore: { rekorUrl?: string; tsaUrl?: string }) =>
    attestCertificate({
      certificateBytes: bytes,
      token: world.token(),
      sigstore: { fulcioUrl: world.sigstore.fulcioUrl, ...sigstore },
    });
  const tsaBundle = await attest({ tsaUrl: world.sigstore.tsaUrl });
  let tlogBundle = await attest({ rekorUrl: world.sigstore.rekorUrl });
  for (let i = 0; i < 2; i++) tlogBundle = await attest({ rekorUrl: world.sigstore.rekorUrl });

  const signByHand: AttestedWorld["signByHand"] = async (payload, options = {}) => {
    const payloadType = options.payloadType ?? IN_TOTO_PAYLOAD_TYPE;
    const key = ephemeralKey();
    const leaf = await leafOf(await postSigningCert(world.sigstore.fulcioUrl, world.token(), { key }));
    const signature = sign("sha256", pae(payloadType, payload), key.privateKey);
    world.time.advance(options.timestampDelaySeconds ?? 0);
    const response = await fetch(world.sigstore.tsaUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        artifactHash: createHash("sha256").update(signature).digest("base64"),
        hashAlgorithm: "sha256",
      }),
    });
    const bundle = bundleToJSON(
      toDSSEBundle({ artifact: payload, artifactType: payloadType, signature, certificate: leaf }),
    );
    const signedTimestamp = Buffer.from(await response.arrayBuffer()).toString("base64");
    bundle.verificationMaterial.timestampVerificationData = { rfc3161Timestamps: [{ signedTimestamp }] };
    return bundle;
  };

  return {
    ...world,
    bytes,
    digest,
    tsaBundle,
    tlogBundle,
    verify: (bundle, overrides = {}) =>
      verifyAttestationBundle(bundle, {
        trustedRoot: world.sigstore.trustedRoot,
        expectedDigest: digest,
        identity: { san: DEFAULT_SAN, issuer: world.issuer.issuer },
        ...overrides,
      }),
    statementWith(change) {
      const statement = buildStepStatement(bytes) as unknown as Record<string, unknown>;
      change(statement);
      return Buffer.from(canonicalJson(statement));
    },
    signByHand,
  };
}
