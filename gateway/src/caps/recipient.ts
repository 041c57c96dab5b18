import { createPublicKey } from "node:crypto";
import { CompactEncrypt } from "jose";

import { CAPS_ALG, CAPS_ENC } from "../../../client/src/protocol/caps";
import { isProtocolError } from "../../../client/src/protocol/errors";
import { WORKER_KEY_INVALID, type WorkerJwk, parseWorkerJwk } from "../../../client/src/protocol/keys";
import { canonicalJson } from "../../../client/src/protocol/jcs";
import { GatewayError } from "../errors";

/** Parses a caller-supplied worker or recipient JWK; a bad one is the caller's fault (`WORKER_KEY_INVALID`, 400). */
export function requireRecipientJwk(jwk: unknown): WorkerJwk {
  try {
    return parseWorkerJwk(jwk);
  } catch (err) {
    if (isProtocolError(err, WORKER_KEY_INVALID)) throw new GatewayError(WORKER_KEY_INVALID, 400, err.message);
    throw err;
  }
}

/**
 * Encrypts `payload` (as JCS bytes) to an X25519 recipient: compact JWE, ECDH-ES+A256KW, A256GCM, with `header`
 * in the protected (authenticated) header. Only ever called with a key whose thumbprint the caller has checked.
 */
export async function encryptToRecipient(
  recipient: WorkerJwk,
  header: Readonly<Record<string, string>>,
  payload: object,
): Promise<string> {
  const jwk = requireRecipientJwk(recipient);
  const key = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, format: "jwk" });
  return new CompactEncrypt(new TextEncoder().encode(canonicalJson(payload)))
    .setProtectedHeader({ ...header, alg: CAPS_ALG, enc: CAPS_ENC })
    .encrypt(key);
}
