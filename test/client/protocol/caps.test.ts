import { expect } from "chai";
import { createPublicKey } from "node:crypto";
import { CompactEncrypt } from "jose";
import type { Hex } from "viem";

import { type CapsExpectation, decryptCaps } from "../../../client/src/protocol/caps";
import type { Clock } from "../../../client/src/protocol/clock";
import { isProtocolError } from "../../../client/src/protocol/errors";
import { canonicalJson } from "../../../client/src/protocol/jcs";
import { type WorkerJwk, generateWorkerKeyPair } from "../../../client/src/protocol/keys";
import { encryptCaps } from "../../../gateway/src/caps/release";

const NOW = 1_700_000_000;
const at =
  (seconds: number): Clock =>
  () =>
    new Date(seconds * 1000);
const DIGEST: Hex = `0x${"ab".repeat(32)}`;
const worker = generateWorkerKeyPair();
const PAYLOAD = {
  stateCapIn: `0x${"11".repeat(32)}`,
  stateCapOut: `0x${"22".repeat(32)}`,
  netCap: "aGVhZGVy.cGF5bG9hZA.c2ln",
  expiresAt: String(NOW + 600),
};
const HEADER = { typ: "swarm-caps+jwe", entitlementId: "7", step: "3", permitDigest: DIGEST, kv: "2" };

function expected(overrides: Partial<CapsExpectation> = {}): CapsExpectation {
  return { entitlementId: 7n, step: 3, permitDigest: DIGEST, clock: at(NOW), ...overrides };
}

function gatewayJwe(step = 3, entitlementId = 7n, permitDigest = DIGEST): Promise<string> {
  return encryptCaps({
    workerJwk: worker.publicJwk,
    entitlementId,
    step,
    permitDigest,
    kv: 2,
    payload: {
      ...PAYLOAD,
      stateCapIn: PAYLOAD.stateCapIn as Hex,
      stateCapOut: PAYLOAD.stateCapOut as Hex,
      expiresAt: BigInt(NOW + 600),
    },
  });
}

/** A JWE correctly encrypted to the worker, with whatever header and plaintext the attack needs. */
function craft(header: Record<string, unknown>, plaintext: string, to: WorkerJwk = worker.publicJwk): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(plaintext))
    .setProtectedHeader({ alg: "ECDH-ES+A256KW", enc: "A256GCM", ...header })
    .encrypt(createPublicKey({ key: { ...to }, format: "jwk" }));
}

async function expectRefused(jwe: string, code: string, expectation = expected()): Promise<void> {
  let failure: unknown;
  try {
    await decryptCaps(jwe, worker.privateKey, expectation);
  } catch (err) {
    failure = err;
  }
  expect(isProtocolError(failure, code), `expected ${code}, got ${String(failure)}`).to.equal(true);
}

describe("protocol/caps", () => {
  it("decrypts the gateway's release into typed caps", async () => {
    expect(await decryptCaps(await gatewayJwe(), worker.privateKey, expected())).to.deep.equal({
      kv: 2,
      stateCapIn: PAYLOAD.stateCapIn,
      stateCapOut: PAYLOAD.stateCapOut,
      netCap: PAYLOAD.netCap,
      expiresAt: BigInt(NOW + 600),
    });
  });

  it("refuses a JWE released for another step", async () => {
    await expectRefused(await gatewayJwe(4), "CAPS_STEP_MISMATCH");
  });

  it("refuses a JWE released for another entitlement", async () => {
    await expectRefused(await gatewayJwe(3, 8n), "CAPS_ENTITLEMENT_MISMATCH");
  });

  it("refuses a JWE released for another permit of the same step", async () => {
    await expectRefused(await gatewayJwe(3, 7n, `0x${"cd".repeat(32)}`), "CAPS_PERMIT_MISMATCH");
  });

  it("refuses a JWE whose protected header was edited after encryption (it is authenticated)", async () => {
    const [h, ...rest] = (await gatewayJwe(4)).split(".");
    const header = JSON.parse(Buffer.from(h!, "base64url").toString("utf8")) as Record<string, unknown>;
    const edited = Buffer.from(JSON.stringify({ ...header, step: "3" })).toString("base64url");
    await expectRefused([edited, ...rest].join("."), "CAPS_DECRYPT_FAILED");
  });

  it("refuses a JWE encrypted to another key", async () => {
    const other = generateWorkerKeyPair().publicJwk;
    await expectRefused(await craft(HEADER, canonicalJson(PAYLOAD), other), "CAPS_DECRYPT_FAILED");
  });

  it("refuses other algorithms: direct ECDH-ES and A128GCM", async () => {
    const key = createPublicKey({ key: { ...worker.publicJwk }, format: "jwk" });
    const direct = await new CompactEncrypt(new TextEncoder().encode(canonicalJson(PAYLOAD)))
      .setProtectedHeader({ alg: "ECDH-ES", enc: "A256GCM", ...HEADER })
      .encrypt(key);
    await expectRefused(direct, "CAPS_DECRYPT_FAILED");
    const weak = await new CompactEncrypt(new TextEncoder().encode(canonicalJson(PAYLOAD)))
      .setProtectedHeader({ alg: "ECDH-ES+A256KW", enc: "A128GCM", ...HEADER })
      .encrypt(key);
    await expectRefused(weak, "CAPS_DECRYPT_FAILED");
  });

  it("refuses a state-keys reply passed off as caps (typ) and a header with extra or missing members", async () => {
    await expectRefused(
      await craft({ ...HEADER, typ: "swarm-state-keys+jwe" }, canonicalJson(PAYLOAD)),
      "CAPS_HEADER_INVALID",
    );
    await expectRefused(await craft({ ...HEADER, extra: "1" }, canonicalJson(PAYLOAD)), "CAPS_HEADER_INVALID");
    const noKv = Object.fromEntries(Object.entries(HEADER).filter(([k]) => k !== "kv"));
    await expectRefused(await craft(noKv, canonicalJson(PAYLOAD)), "CAPS_HEADER_INVALID");
  });

  it("refuses a payload that is not canonical, has extra members, or mis-encodes a cap", async () => {
    await expectRefused(await craft(HEADER, JSON.stringify(PAYLOAD, null, 1)), "CAPS_PAYLOAD_INVALID");
    await expectRefused(await craft(HEADER, canonicalJson({ ...PAYLOAD, chainKey: "0x00" })), "CAPS_PAYLOAD_INVALID");
    const upper = { ...PAYLOAD, stateCapIn: `0x${"AA".repeat(32)}` };
    await expectRefused(await craft(HEADER, canonicalJson(upper)), "CAPS_PAYLOAD_INVALID");
    await expectRefused(
      await craft(HEADER, canonicalJson({ ...PAYLOAD, expiresAt: NOW + 600 })),
      "CAPS_PAYLOAD_INVALID",
    );
    await expectRefused(await craft(HEADER, "not json"), "CAPS_PAYLOAD_INVALID");
  });

  it("refuses caps whose step window has closed", async () => {
    await expectRefused(await gatewayJwe(), "CAPS_EXPIRED", expected({ clock: at(NOW + 600) }));
    expect((await decryptCaps(await gatewayJwe(), worker.privateKey, expected({ clock: at(NOW + 599) }))).kv).to.equal(
      2,
    );
  });

  it("refuses something that is not a compact JWE", async () => {
    await expectRefused("a.b.c", "CAPS_JWE_MALFORMED");
  });
});
