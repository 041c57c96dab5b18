import { type KeyObject, createHash, createPublicKey, verify } from "node:crypto";
import { z } from "zod";

import { canonicalJson } from "../../client/src/protocol/jcs";
import { SigstoreRefusal } from "./http";

/** Why Rekor refused a proposed entry. */
export const ENTRY_CODES = {
  MALFORMED: "REKOR_ENTRY_MALFORMED",
  UNSUPPORTED: "REKOR_ENTRY_UNSUPPORTED",
  SIGNATURE_INVALID: "REKOR_ENTRY_SIGNATURE_INVALID",
  HASH_MISMATCH: "REKOR_ENTRY_HASH_MISMATCH",
} as const;

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);
const hash = z.strictObject({ algorithm: z.literal("sha256"), value: z.string().regex(/^[0-9a-f]{64}$/) });

/** `dsse` 0.0.1 as `@sigstore/sign` proposes it: the envelope as a JSON string and the verifier (base64 PEM). */
const dsseProposal = z.strictObject({
  apiVersion: z.literal("0.0.1"),
  kind: z.literal("dsse"),
  spec: z.strictObject({
    proposedContent: z.strictObject({ envelope: z.string(), verifiers: z.array(base64).length(1) }),
  }),
});
const dsseEnvelope = z.object({
  payloadType: z.string(),
  payload: base64,
  signatures: z.array(z.object({ sig: base64, keyid: z.string().optional() })).length(1),
});

/** `intoto` 0.0.2 as `@sigstore/sign` proposes it: payload and signature base64 twice, public key base64 PEM. */
const intotoProposal = z.strictObject({
  apiVersion: z.literal("0.0.2"),
  kind: z.literal("intoto"),
  spec: z.strictObject({
    content: z.strictObject({
      envelope: z.strictObject({
        payloadType: z.string(),
        payload: base64,
        signatures: z
          .array(z.strictObject({ sig: base64, publicKey: base64, keyid: z.string().min(1).optional() }))
          .length(1),
      }),
      hash,
      payloadHash: hash,
    }),
  }),
});

const sha256Hex = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");
const fromBase64 = (text: string) => Buffer.from(text, "base64");

/** DSSE's pre-authentication encoding: what the envelope's signature covers. */
export function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/** Verifies the envelope signature with the PEM certificate or key, as Rekor does before accepting an entry. */
function verifyEnvelope(pem: string, payloadType: string, payload: Buffer, signature: Buffer): void {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new SigstoreRefusal(400, ENTRY_CODES.MALFORMED, "expected a PEM certificate or public key", { cause: err });
  }
  let ok = false;
  try {
    ok = verify("sha256", preAuthEncoding(payloadType, payload), key, signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new SigstoreRefusal(400, ENTRY_CODES.SIGNATURE_INVALID, "expected the envelope signature to verify");
}

/** The canonicalized body of a `dsse` 0.0.1 entry (Rekor's form: hashes and signature, no envelope). */
function dsseBody(proposal: z.infer<typeof dsseProposal>): Buffer {
  const { envelope: envelopeText, verifiers } = proposal.spec.proposedContent;
  let envelope: z.infer<typeof dsseEnvelope>;
  try {
    envelope = dsseEnvelope.parse(JSON.parse(envelopeText));
  } catch (err) {
    throw new SigstoreRefusal(400, ENTRY_CODES.MALFORMED, "expected a DSSE envelope with one signature", {
      cause: err,
    });
  }
  const payload = fromBase64(envelope.payload);
  const [signature] = envelope.signatures;
  verifyEnvelope(fromBase64(verifiers[0]!).toString("utf8"), envelope.payloadType, payload, fromBase64(signature!.sig));
  return Buffer.from(
    canonicalJson({
      apiVersion: "0.0.1",
      kind: "dsse",
      spec: {
        envelopeHash: { algorithm: "sha256", value: sha256Hex(envelopeText) },
        payloadHash: { algorithm: "sha256", value: sha256Hex(payload) },
        signatures: [{ signature: signature!.sig, verifier: verifiers[0] }],
      },
    }),
  );
}

/** The canonicalized body of an `intoto` 0.0.2 entry (Rekor's form: the envelope without its payload). */
function intotoBody(proposal: z.infer<typeof intotoProposal>): Buffer {
  const { envelope, hash: envelopeHash, payloadHash } = proposal.spec.content;
  const payload = fromBase64(fromBase64(envelope.payload).toString("utf8"));
  const [signature] = envelope.signatures;
  const sig = fromBase64(signature!.sig).toString("utf8");
  const pem = fromBase64(signature!.publicKey).toString("utf8");
  verifyEnvelope(pem, envelope.payloadType, payload, fromBase64(sig));
  const keyid = signature!.keyid === undefined ? {} : { keyid: signature!.keyid };
  const expectedHash = sha256Hex(
    canonicalJson({
      payloadType: envelope.payloadType,
      payload: payload.toString("base64"),
      signatures: [{ sig, publicKey: pem, ...keyid }],
    }),
  );
  if (payloadHash.value !== sha256Hex(payload) || envelopeHash.value !== expectedHash) {
    throw new SigstoreRefusal(400, ENTRY_CODES.HASH_MISMATCH, "expected hash and payloadHash of this envelope");
  }
  return Buffer.from(
    canonicalJson({
      apiVersion: "0.0.2",
      kind: "intoto",
      spec: {
        content: {
          envelope: {
            payloadType: envelope.payloadType,
            signatures: [{ publicKey: signature!.publicKey, sig: signature!.sig, ...keyid }],
          },
          hash: envelopeHash,
          payloadHash,
        },
      },
    }),
  );
}

/**
 * The canonicalized body Rekor v1 stores for a proposed entry, once the envelope's signature verifies. Only the
 * kinds `@sigstore/sign` submits for DSSE bundles are accepted: `dsse` 0.0.1 and `intoto` 0.0.2, one signature.
 */
export function canonicalizeProposedEntry(proposed: unknown): Buffer {
  const kind = (proposed as { kind?: unknown } | null)?.kind;
  if (kind === "dsse") {
    const parsed = dsseProposal.safeParse(proposed);
    if (parsed.success) return dsseBody(parsed.data);
  } else if (kind === "intoto") {
    const parsed = intotoProposal.safeParse(proposed);
    if (parsed.success) return intotoBody(parsed.data);
  } else {
    throw new SigstoreRefusal(
      400,
      ENTRY_CODES.UNSUPPORTED,
      `expected kind dsse or intoto, got ${JSON.stringify(kind)}`,
    );
  }
  throw new SigstoreRefusal(400, ENTRY_CODES.MALFORMED, `expected a ${kind} entry as @sigstore/sign proposes it`);
}
