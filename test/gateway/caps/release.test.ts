import { expect } from "chai";
import { compactDecrypt, decodeProtectedHeader } from "jose";
import type { Hex } from "viem";

import { decryptCaps } from "../../../client/src/protocol/caps";
import type { Clock } from "../../../client/src/protocol/clock";
import { isProtocolError } from "../../../client/src/protocol/errors";
import { canonicalJson } from "../../../client/src/protocol/jcs";
import { generateWorkerKeyPair } from "../../../client/src/protocol/keys";
import { GatewayError } from "../../../gateway/src/errors";
import { type CapsRelease, encryptCaps } from "../../../gateway/src/caps/release";

const NOW = 1_700_000_000;
const at =
  (seconds: number): Clock =>
  () =>
    new Date(seconds * 1000);
const DIGEST: Hex = `0x${"ab".repeat(32)}`;
const worker = generateWorkerKeyPair();

function release(overrides: Partial<CapsRelease> = {}): CapsRelease {
  return {
    workerJwk: worker.publicJwk,
    entitlementId: 7n,
    step: 3,
    permitDigest: DIGEST,
    kv: 2,
    payload: {
      stateCapIn: `0x${"11".repeat(32)}`,
      stateCapOut: `0x${"22".repeat(32)}`,
      netCap: "aGVhZGVy.cGF5bG9hZA.c2ln",
      expiresAt: BigInt(NOW + 600),
    },
    ...overrides,
  };
}

async function expectCode(call: Promise<unknown>, code: string, status: number): Promise<void> {
  try {
    await call;
  } catch (err) {
    expect(err).to.be.instanceOf(GatewayError);
    expect((err as GatewayError).code).to.equal(code);
    expect((err as GatewayError).status).to.equal(status);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe("gateway/caps/release", () => {
  it("encrypts with ECDH-ES+A256KW / A256GCM and binds entitlementId, step, permitDigest and kv in the header", async () => {
    const header = decodeProtectedHeader(await encryptCaps(release()));
    expect(header).to.include({
      alg: "ECDH-ES+A256KW",
      enc: "A256GCM",
      typ: "swarm-caps+jwe",
      entitlementId: "7",
      step: "3",
      permitDigest: DIGEST,
      kv: "2",
    });
    expect(header.epk).to.include({ kty: "OKP", crv: "X25519" });
    expect(Object.keys(header).sort()).to.deep.equal([
      "alg",
      "enc",
      "entitlementId",
      "epk",
      "kv",
      "permitDigest",
      "step",
      "typ",
    ]);
  });

  it("carries the caps as JCS with 0x hex caps and a decimal expiresAt", async () => {
    const { plaintext } = await compactDecrypt(await encryptCaps(release()), worker.privateKey);
    const text = new TextDecoder().decode(plaintext);
    expect(text).to.equal(
      canonicalJson({
        stateCapIn: `0x${"11".repeat(32)}`,
        stateCapOut: `0x${"22".repeat(32)}`,
        netCap: "aGVhZGVy.cGF5bG9hZA.c2ln",
        expiresAt: String(NOW + 600),
      }),
    );
  });

  it("decrypts only with the worker's private key: another X25519 key fails", async () => {
    const jwe = await encryptCaps(release());
    const expected = { entitlementId: 7n, step: 3, permitDigest: DIGEST, clock: at(NOW) };
    expect((await decryptCaps(jwe, worker.privateKey, expected)).stateCapOut).to.equal(`0x${"22".repeat(32)}`);
    let failure: unknown;
    await decryptCaps(jwe, generateWorkerKeyPair().privateKey, expected).catch((err: unknown) => (failure = err));
    expect(isProtocolError(failure, "CAPS_DECRYPT_FAILED"), String(failure)).to.equal(true);
  });

  it("uses a fresh ephemeral key per release (two releases of the same caps differ)", async () => {
    const [a, b] = [await encryptCaps(release()), await encryptCaps(release())];
    expect(a).to.not.equal(b);
    expect(decodeProtectedHeader(a).epk).to.not.deep.equal(decodeProtectedHeader(b).epk);
  });

  it("refuses a worker key carrying a private member (it would never encrypt to a leaked key shape)", async () => {
    const leaky = { ...worker.publicJwk, d: "AAAA" } as unknown as CapsRelease["workerJwk"];
    await expectCode(encryptCaps(release({ workerJwk: leaky })), "WORKER_KEY_INVALID", 400);
  });

  it("refuses malformed release inputs: step 0, an uppercase digest, short caps, a non-JWS netCap", async () => {
    await expectCode(encryptCaps(release({ step: 0 })), "CAPS_DERIVATION_INPUT_INVALID", 500);
    await expectCode(
      encryptCaps(release({ permitDigest: DIGEST.toUpperCase() as Hex })),
      "CAPS_DERIVATION_INPUT_INVALID",
      500,
    );
    const payload = { ...release().payload, stateCapIn: "0x11" as Hex };
    await expectCode(encryptCaps(release({ payload })), "CAPS_DERIVATION_INPUT_INVALID", 500);
    const noJws = { ...release().payload, netCap: "token" };
    await expectCode(encryptCaps(release({ payload: noJws })), "CAPS_DERIVATION_INPUT_INVALID", 500);
  });
});
