import { type KeyObject, sign } from "node:crypto";

import { formatCheckpoint, signNote } from "../../client/src/protocol/transparency";

/** The log's signed-note identity: its origin line and key name, and the key that signs. */
export interface CheckpointSigner {
  /** The checkpoint's origin, also the signature's key name: the log's base URL without its scheme. */
  origin: string;
  /** The first 4 bytes of the log ID (sha256 of the key's SPKI): the signature's key hint. */
  keyHint: Buffer;
  privateKey: KeyObject;
}

/** The origin of a log at `baseUrl`: the URL without scheme or trailing slash (`127.0.0.1:8080/rekor`). */
export function originOf(baseUrl: string): string {
  return baseUrl.replace(/^[a-z]+:\/\//, "").replace(/\/+$/, "");
}

/**
 * A C2SP checkpoint as a signed note, the form Rekor v1 returns in `inclusionProof.checkpoint`:
 * `<origin>\n<size>\n<base64 root>\n` then a blank line and `— <origin> base64(keyHint || ECDSA-SHA256 sig)\n`.
 * Sigstore's verifier finds the log whose base URL matches the key name and whose log ID starts with the hint.
 * Formatting and framing are the project's shared signed-note code; only the ECDSA signer is the dev log's.
 */
export function signCheckpoint(signer: CheckpointSigner, treeSize: number, root: Buffer): string {
  const text = formatCheckpoint({ origin: signer.origin, treeSize, rootHash: root, extensions: [] });
  return signNote(text, [
    {
      name: signer.origin,
      keyId: signer.keyHint.readUInt32BE(0),
      sign: (message) => new Uint8Array(sign("sha256", message, signer.privateKey)),
    },
  ]);
}
