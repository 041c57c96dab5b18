import {
  type KeyObject,
  createCipheriv,
  createHash,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
} from "node:crypto";

import { CAPS_ALG, CAPS_ENC } from "../../../client/src/protocol/caps";

/** RFC 3394's default initial value, which JWE's AES key wrap uses (RFC 7518 §4.4). */
const AES_KW_IV = Buffer.from("a6a6a6a6a6a6a6a6", "hex");
/** The KEK length in bits: A256KW. */
const KEK_BITS = 256;

function uint32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/**
 * Concat KDF OtherInfo for ECDH-ES+A256KW without apu/apv (RFC 7518 §4.6.2): AlgorithmID as a length-prefixed
 * string, empty PartyUInfo and PartyVInfo (length 0), SuppPubInfo = the key length in bits.
 */
const OTHER_INFO = Buffer.concat([
  uint32be(CAPS_ALG.length),
  Buffer.from(CAPS_ALG, "ascii"),
  uint32be(0),
  uint32be(0),
  uint32be(KEK_BITS),
]);

/**
 * A compact JWE to an X25519 public key: ECDH-ES+A256KW key agreement with a fresh ephemeral key, A256GCM content
 * encryption (RFC 7516, RFC 7518 §4.6, §4.4, §5.3; RFC 8037 for X25519). The protected header is `header`, then
 * `alg`, `enc` and `epk` {x, crv, kty}, as jose writes it; there is no apu, apv or unprotected header.
 *
 * Why node:crypto and not jose's CompactEncrypt: jose runs on WebCrypto, where each of the five operations here
 * (key generation, agreement, digest, key wrap, AES-GCM) is an asynchronous job with its own promise and thread
 * hop; for one small JWE per release that overhead cost more gateway CPU than the cryptography itself. The
 * receiving side still opens these with jose's compactDecrypt (client/src/protocol/caps.ts); tests hold the two
 * compatible. `recipient` must be an X25519 key already checked for small order (parseWorkerJwk).
 */
export function encryptToX25519(
  recipient: KeyObject,
  header: Readonly<Record<string, string>>,
  plaintext: Uint8Array,
): string {
  const ephemeral = generateKeyPairSync("x25519");
  const { x } = ephemeral.publicKey.export({ format: "jwk" });
  const protectedHeader = { ...header, alg: CAPS_ALG, enc: CAPS_ENC, epk: { x, crv: "X25519", kty: "OKP" } };
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient });
  // Concat KDF with SHA-256: a 256-bit KEK takes one round, SHA-256(counter 1 ‖ Z ‖ OtherInfo).
  const kek = createHash("sha256").update(uint32be(1)).update(shared).update(OTHER_INFO).digest();
  const cek = randomBytes(32);
  const wrap = createCipheriv("id-aes256-wrap", kek, AES_KW_IV);
  const encryptedKey = Buffer.concat([wrap.update(cek), wrap.final()]);
  const encodedHeader = Buffer.from(JSON.stringify(protectedHeader), "utf8").toString("base64url");
  const iv = randomBytes(12);
  const gcm = createCipheriv("aes-256-gcm", cek, iv);
  gcm.setAAD(Buffer.from(encodedHeader, "ascii"));
  const ciphertext = Buffer.concat([gcm.update(plaintext), gcm.final()]);
  const tag = gcm.getAuthTag();
  shared.fill(0);
  kek.fill(0);
  cek.fill(0);
  return [encodedHeader, encryptedKey, iv, ciphertext, tag]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}
