import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { CompactEncrypt, decodeProtectedHeader } from "jose";
import { type Hex, zeroHash } from "viem";

import { isProtocolError } from "../../../client/src/protocol/errors";
import {
  GENESIS_PERMIT_DIGEST,
  type StateBundleBinding,
  StateBundleErrorCode,
  decryptStateBundle,
  encryptGenesisState,
  encryptStateBundle,
  maxStateBundleLength,
} from "../../../client/src/protocol/stateBundle";

const KEY: Hex = `0x${"42".repeat(32)}`;
const OTHER_KEY: Hex = `0x${"43".repeat(32)}`;
const DIGEST: Hex = `0x${"ab".repeat(32)}`;
const STATE = new TextEncoder().encode('{"counter":1}');
const binding = (overrides: Partial<StateBundleBinding> = {}): StateBundleBinding => ({
  kind: "state",
  entitlementId: 7n,
  step: 3,
  permitDigest: DIGEST,
  maxBytes: 1024,
  ...overrides,
});

async function expectCode(action: () => Promise<unknown>, code: string): Promise<void> {
  let failure: unknown;
  try {
    await action();
  } catch (err) {
    failure = err;
  }
  if (failure === undefined) expect.fail(`expected ${code}, but nothing was thrown`);
  if (!isProtocolError(failure)) throw failure;
  expect(failure.code, failure.message).to.equal(code);
}

/** A dir/A256GCM JWE under `key` with whatever protected header the attack needs. */
function craft(header: Record<string, unknown>, plaintext = STATE, key: Hex = KEY): Promise<string> {
  return new CompactEncrypt(plaintext)
    .setProtectedHeader({ alg: "dir", enc: "A256GCM", ...header })
    .encrypt(Buffer.from(key.slice(2), "hex"));
}

const GOOD_HEADER = { typ: "swarm-state+jwe", entitlementId: "7", step: "3", permitDigest: DIGEST };

describe("state bundles (dir / A256GCM JWE)", () => {
  it("round-trips each kind with exactly the binding header and a fresh IV every time", async () => {
    for (const kind of ["state", "result", "nextTokens"] as const) {
      const jwe = await encryptStateBundle(STATE, KEY, binding({ kind }));
      expect(await decryptStateBundle(jwe, KEY, binding({ kind }))).to.deep.equal(STATE);
      const typ = { state: "swarm-state+jwe", result: "swarm-result+jwe", nextTokens: "swarm-next-tokens+jwe" }[kind];
      expect(decodeProtectedHeader(jwe)).to.deep.equal({
        alg: "dir",
        enc: "A256GCM",
        typ,
        entitlementId: "7",
        step: "3",
        permitDigest: DIGEST,
      });
      expect(jwe.split(".")[1]).to.equal("");
    }
    const a = await encryptStateBundle(STATE, KEY, binding());
    const b = await encryptStateBundle(STATE, KEY, binding());
    expect(a.split(".")[2]).to.not.equal(b.split(".")[2]);
  });

  it("rejects a result bundle swapped in for the state (typ)", async () => {
    const result = await encryptStateBundle(STATE, KEY, binding({ kind: "result" }));
    await expectCode(() => decryptStateBundle(result, KEY, binding()), StateBundleErrorCode.TYPE_MISMATCH);
    const next = await encryptStateBundle(STATE, KEY, binding({ kind: "nextTokens" }));
    await expectCode(
      () => decryptStateBundle(next, KEY, binding({ kind: "result" })),
      StateBundleErrorCode.TYPE_MISMATCH,
    );
  });

  it("rejects another step's, entitlement's or permit's state", async () => {
    const jwe = await encryptStateBundle(STATE, KEY, binding());
    await expectCode(() => decryptStateBundle(jwe, KEY, binding({ step: 4 })), StateBundleErrorCode.STEP_MISMATCH);
    await expectCode(
      () => decryptStateBundle(jwe, KEY, binding({ entitlementId: 8n })),
      StateBundleErrorCode.ENTITLEMENT_MISMATCH,
    );
    await expectCode(
      () => decryptStateBundle(jwe, KEY, binding({ permitDigest: `0x${"cd".repeat(32)}` })),
      StateBundleErrorCode.PERMIT_MISMATCH,
    );
  });

  it("rejects a header rewritten to claim another step (the header is the cipher's AAD)", async () => {
    const jwe = await encryptStateBundle(STATE, KEY, binding({ step: 2 }));
    const forged = Buffer.from(JSON.stringify({ alg: "dir", enc: "A256GCM", ...GOOD_HEADER })).toString("base64url");
    const parts = jwe.split(".");
    const rewritten = [forged, ...parts.slice(1)].join(".");
    await expectCode(() => decryptStateBundle(rewritten, KEY, binding()), StateBundleErrorCode.DECRYPT_FAILED);
  });

  it("rejects a tampered ciphertext or tag, and the wrong key", async () => {
    const jwe = await encryptStateBundle(STATE, KEY, binding());
    const parts = jwe.split(".");
    const flip = (s: string) => (s[0] === "A" ? "B" : "A") + s.slice(1);
    const badCiphertext = [parts[0], "", parts[2], flip(parts[3]!), parts[4]].join(".");
    const badTag = [parts[0], "", parts[2], parts[3], flip(parts[4]!)].join(".");
    await expectCode(() => decryptStateBundle(badCiphertext, KEY, binding()), StateBundleErrorCode.DECRYPT_FAILED);
    await expectCode(() => decryptStateBundle(badTag, KEY, binding()), StateBundleErrorCode.DECRYPT_FAILED);
    await expectCode(() => decryptStateBundle(jwe, OTHER_KEY, binding()), StateBundleErrorCode.DECRYPT_FAILED);
  });

  it("rejects extra header members and other algorithms", async () => {
    await expectCode(
      async () => decryptStateBundle(await craft({ ...GOOD_HEADER, kid: "x" }), KEY, binding()),
      StateBundleErrorCode.HEADER_INVALID,
    );
    const wrapped = await new CompactEncrypt(STATE)
      .setProtectedHeader({ alg: "A256KW", enc: "A256GCM", ...GOOD_HEADER })
      .encrypt(Buffer.from(KEY.slice(2), "hex"));
    await expectCode(() => decryptStateBundle(wrapped, KEY, binding()), StateBundleErrorCode.MALFORMED);
    const weaker = await new CompactEncrypt(STATE)
      .setProtectedHeader({ alg: "dir", enc: "A128GCM", ...GOOD_HEADER })
      .encrypt(Buffer.from(KEY.slice(2, 34), "hex"));
    await expectCode(() => decryptStateBundle(weaker, KEY, binding()), StateBundleErrorCode.HEADER_INVALID);
    expect(await decryptStateBundle(await craft(GOOD_HEADER), KEY, binding())).to.deep.equal(STATE);
  });

  it("refuses oversize state when writing and when reading", async () => {
    const big = randomBytes(2048);
    await expectCode(() => encryptStateBundle(big, KEY, binding()), StateBundleErrorCode.TOO_LARGE);
    const jwe = await encryptStateBundle(big, KEY, binding({ maxBytes: 4096 }));
    expect(jwe.length).to.be.greaterThan(maxStateBundleLength(1024));
    await expectCode(() => decryptStateBundle(jwe, KEY, binding()), StateBundleErrorCode.TOO_LARGE);
    const slightlyOver = await encryptStateBundle(randomBytes(1030), KEY, binding({ maxBytes: 4096 }));
    expect(slightlyOver.length).to.be.at.most(maxStateBundleLength(1024));
    await expectCode(() => decryptStateBundle(slightlyOver, KEY, binding()), StateBundleErrorCode.TOO_LARGE);
  });

  it("refuses text that is not a compact dir JWE", async () => {
    for (const bad of ["", "a.b.c", "a.b.c.d.e", `${"A".repeat(10)}..${"A".repeat(16)}.AA.${"A".repeat(22)}.x`]) {
      await expectCode(() => decryptStateBundle(bad, KEY, binding()), StateBundleErrorCode.MALFORMED);
    }
  });

  it("seals the genesis state under stateKey(0) as step 0 with a zero permit digest", async () => {
    expect(GENESIS_PERMIT_DIGEST).to.equal(zeroHash);
    const jwe = await encryptGenesisState(STATE, KEY, 7n, 1024);
    const genesis = binding({ step: 0, permitDigest: zeroHash });
    expect(await decryptStateBundle(jwe, KEY, genesis)).to.deep.equal(STATE);
    await expectCode(
      () => decryptStateBundle(jwe, KEY, binding({ step: 1, permitDigest: zeroHash })),
      StateBundleErrorCode.STEP_MISMATCH,
    );
  });
});
