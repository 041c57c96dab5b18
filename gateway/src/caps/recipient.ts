import { createPublicKey } from "node:crypto";

import { isProtocolError } from "../../../client/src/protocol/errors";
import { WORKER_KEY_INVALID, type WorkerJwk, parseWorkerJwk } from "../../../client/src/protocol/keys";
import { canonicalJson } from "../../../client/src/protocol/jcs";
import { GatewayError } from "../errors";
import { encryptToX25519 } from "./jweX25519";

/**
 * JWKs this module parsed (and froze): encryptToRecipient skips a second parse of those, which would repeat the
 * small-order probe (an X25519 agreement) for a key already checked in the same request.
 */
const parsed = new WeakSet<WorkerJwk>();

/** Parses a caller-supplied worker or recipient JWK; a bad one is the caller's fault (`WORKER_KEY_INVALID`, 400). */
export function requireRecipientJwk(jwk: unknown): WorkerJwk {
  try {
    const checked = Object.freeze(parseWorkerJwk(jwk));
    parsed.add(checked);
    return checked;
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
  const jwk = parsed.has(recipient) ? recipient : requireRecipientJwk(recipient);
  const key = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, format: "jwk" });
  return encryptToX25519(key, header, Buffer.from(canonicalJson(payload), "utf8"));
}
