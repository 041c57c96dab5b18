import { type VerifiedNote, verifyNote } from "../transparency/note";
import { type NoteSigner, type NoteVerifier, noteKeyId } from "../transparency/noteKeys";
import { HYBRID_CODES, hybridError } from "./codes";
import { MLDSA_ALGORITHM, type MlDsaKeyPair, mlDsaVerifies, signMlDsa, verifyMlDsaPublicKey } from "./mlDsa";

/** C2SP signed-note type 0xff ("no assigned byte"), followed by this longer identifier, for ML-DSA-65 note keys. */
export const SIG_TYPE_OTHER = 0xff;
const NOTE_ALGORITHM_ID = Buffer.from(MLDSA_ALGORITHM, "utf8");

/** The note key ID of an ML-DSA-65 key: SHA-256(name ‖ 0x0A ‖ 0xFF ‖ "ML-DSA-65" ‖ public key)[:4]. */
export function mlDsaNoteKeyId(name: string, publicKey: Uint8Array): number {
  return noteKeyId(name, SIG_TYPE_OTHER, Buffer.concat([NOTE_ALGORITHM_ID, verifyMlDsaPublicKey(publicKey)]));
}

/** A note signer that adds an ML-DSA-65 signature line over the note text (beside the log's Ed25519 line). */
export function mlDsaNoteSigner(name: string, key: MlDsaKeyPair): NoteSigner {
  return { name, keyId: mlDsaNoteKeyId(name, key.publicKey), sign: (text) => signMlDsa(text, key) };
}

/** A note verifier for an ML-DSA-65 key; Ed25519-only verifiers ignore its line as an unknown key's. */
export function mlDsaNoteVerifier(name: string, publicKey: Uint8Array): NoteVerifier {
  return {
    name,
    keyId: mlDsaNoteKeyId(name, publicKey),
    verify: (text, signature) => mlDsaVerifies(signature, text, publicKey),
  };
}

/**
 * Verifies a checkpoint note under a hybrid policy: the C2SP rules over both verifiers (a known key's bad signature
 * refuses the note), then, with `requireHybrid`, both the Ed25519 and the ML-DSA-65 key must have signed
 * (SIGNATURE_MISSING otherwise).
 */
export function verifyHybridNote(
  note: string | Uint8Array,
  policy: { ed25519: NoteVerifier; mlDsa: NoteVerifier; requireHybrid: boolean },
): VerifiedNote {
  const verified = verifyNote(note, [policy.ed25519, policy.mlDsa]);
  const signedBy = (v: NoteVerifier) => verified.verified.some((s) => s.name === v.name && s.keyId === v.keyId >>> 0);
  if (policy.requireHybrid && (!signedBy(policy.ed25519) || !signedBy(policy.mlDsa))) {
    throw hybridError(HYBRID_CODES.SIGNATURE_MISSING, "expected both the Ed25519 and the ML-DSA-65 note signatures");
  }
  return verified;
}
