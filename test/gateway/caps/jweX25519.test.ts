import { expect } from "chai";
import { createPublicKey } from "node:crypto";
import { compactDecrypt } from "jose";

import { generateWorkerKeyPair } from "../../../client/src/protocol/keys";
import { encryptToX25519 } from "../../../gateway/src/caps/jweX25519";

const worker = generateWorkerKeyPair();
const recipient = createPublicKey({ key: { ...worker.publicJwk }, format: "jwk" });
const HEADER = { typ: "swarm-caps+jwe", step: "3" };
const PLAINTEXT = new TextEncoder().encode('{"secret":"0x11"}');

/** jose's verdict on a JWE: its header and plaintext, or the error it threw. */
async function openWithJose(jwe: string) {
  return compactDecrypt(jwe, worker.privateKey, {
    keyManagementAlgorithms: ["ECDH-ES+A256KW"],
    contentEncryptionAlgorithms: ["A256GCM"],
  }).then(
    (r) => ({ header: r.protectedHeader, plaintext: new TextDecoder().decode(r.plaintext) }),
    (err: unknown) => err as Error,
  );
}

describe("gateway/caps/jweX25519", () => {
  it("is opened by jose's compactDecrypt, with the header it was given plus alg, enc and the ephemeral key", async () => {
    const opened = await openWithJose(encryptToX25519(recipient, HEADER, PLAINTEXT));
    expect(opened).to.not.be.instanceOf(Error);
    const { header, plaintext } = opened as Exclude<typeof opened, Error>;
    expect(plaintext).to.equal('{"secret":"0x11"}');
    expect(Object.keys(header)).to.deep.equal(["typ", "step", "alg", "enc", "epk"]);
    expect(header).to.include({ ...HEADER, alg: "ECDH-ES+A256KW", enc: "A256GCM" });
    expect(Object.keys(header.epk!).sort()).to.deep.equal(["crv", "kty", "x"]);
    expect(header.epk).to.include({ crv: "X25519", kty: "OKP" });
  });

  it("refuses to open when the protected header was swapped for another (it is the AEAD's associated data)", async () => {
    const jwe = encryptToX25519(recipient, HEADER, PLAINTEXT).split(".");
    const header = JSON.parse(Buffer.from(jwe[0]!, "base64url").toString("utf8")) as Record<string, unknown>;
    jwe[0] = Buffer.from(JSON.stringify({ ...header, step: "4" })).toString("base64url");
    expect(await openWithJose(jwe.join("."))).to.be.instanceOf(Error);
  });

  it("refuses to open a tampered ciphertext, tag or wrapped key, and with another recipient's key", async () => {
    for (const part of [1, 3, 4]) {
      const jwe = encryptToX25519(recipient, HEADER, PLAINTEXT).split(".");
      const bytes = Buffer.from(jwe[part]!, "base64url");
      bytes[0] ^= 1;
      jwe[part] = bytes.toString("base64url");
      expect(await openWithJose(jwe.join(".")), `part ${part}`).to.be.instanceOf(Error);
    }
    const other = createPublicKey({ key: { ...generateWorkerKeyPair().publicJwk }, format: "jwk" });
    expect(await openWithJose(encryptToX25519(other, HEADER, PLAINTEXT))).to.be.instanceOf(Error);
  });
});
