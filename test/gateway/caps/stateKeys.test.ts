import { expect } from "chai";
import { decodeProtectedHeader } from "jose";
import { type Address, type Hex, bytesToHex, parseSignature, serializeSignature } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import type { Clock } from "../../../client/src/protocol/clock";
import { type StateKeyRequest, marketDomain } from "../../../client/src/protocol/eip712";
import { generateWorkerKeyPair, jwkThumbprint } from "../../../client/src/protocol/keys";
import { decryptStateKeys, stateKeyRequestTypedData } from "../../../client/src/protocol/stateKeyRequest";
import { GatewayError } from "../../../gateway/src/errors";
import { chainKey, stateKey } from "../../../gateway/src/caps/derive";
import type { MasterSecret } from "../../../gateway/src/caps/secrets";
import {
  type StateKeyRequestContext,
  encryptStateKeys,
  verifyStateKeyRequest,
} from "../../../gateway/src/caps/stateKeys";

// Hardhat's well-known development keys: fixed, public, never used outside tests.
const buyer = privateKeyToAccount("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
const stranger = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const GATEWAY: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const OTHER_GATEWAY: Address = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const MARKET: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const DOMAIN = marketDomain(31337n, MARKET);
const NOW = 1_700_000_000n;
const clock: Clock = () => new Date(Number(NOW) * 1000);
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const SECRETS: MasterSecret[] = [{ kv: 4, startBlock: 0n, secret: new Uint8Array(32).fill(9) }];

const recipient = generateWorkerKeyPair();

function request(overrides: Partial<StateKeyRequest> = {}): StateKeyRequest {
  return {
    entitlementId: 7n,
    fromStep: 0,
    toStep: 2,
    recipientKey: jwkThumbprint(recipient.publicJwk),
    gateway: GATEWAY,
    deadline: NOW + 120n,
    ...overrides,
  };
}

function sign(r: StateKeyRequest, signer = buyer, domain = DOMAIN): Promise<Hex> {
  return signer.signTypedData(stateKeyRequestTypedData(domain, r));
}

function context(overrides: Partial<StateKeyRequestContext> = {}): StateKeyRequestContext {
  return {
    domain: DOMAIN,
    buyer: buyer.address,
    gateway: GATEWAY,
    clock,
    isSettled: (k) => Promise.resolve(k <= 2),
    recipientJwk: recipient.publicJwk,
    ...overrides,
  };
}

async function expectCode(call: Promise<unknown>, code: string, status: number, reason?: string): Promise<void> {
  try {
    await call;
  } catch (err) {
    expect(err).to.be.instanceOf(GatewayError);
    expect((err as GatewayError).code, (err as Error).message).to.equal(code);
    expect((err as GatewayError).status).to.equal(status);
    if (reason !== undefined) expect((err as Error).message).to.contain(reason);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe("gateway/caps/stateKeys", () => {
  describe("verifyStateKeyRequest", () => {
    it("accepts the buyer's request for settled steps and returns the recipient key", async () => {
      const r = request();
      expect(await verifyStateKeyRequest(r, await sign(r), context())).to.deep.equal(recipient.publicJwk);
    });

    it("refuses a request signed by someone other than the buyer", async () => {
      const r = request();
      await expectCode(
        verifyStateKeyRequest(r, await sign(r, stranger), context()),
        "STATE_KEY_SIGNATURE_INVALID",
        403,
      );
    });

    it("refuses a buyer signature made for another chain's market domain", async () => {
      const r = request();
      const sig = await sign(r, buyer, marketDomain(1n, MARKET));
      await expectCode(verifyStateKeyRequest(r, sig, context()), "STATE_KEY_SIGNATURE_INVALID", 403);
    });

    it("refuses a request addressed to another gateway", async () => {
      const r = request({ gateway: OTHER_GATEWAY });
      await expectCode(verifyStateKeyRequest(r, await sign(r), context()), "STATE_KEY_WRONG_GATEWAY", 403);
    });

    it("refuses a deadline more than 300 s ahead, accepts exactly 300 s", async () => {
      const far = request({ deadline: NOW + 301n });
      await expectCode(verifyStateKeyRequest(far, await sign(far), context()), "STATE_KEY_DEADLINE_INVALID", 403);
      const edge = request({ deadline: NOW + 300n });
      expect(await verifyStateKeyRequest(edge, await sign(edge), context())).to.deep.equal(recipient.publicJwk);
    });

    it("refuses a passed deadline, accepts one equal to now", async () => {
      const passed = request({ deadline: NOW - 1n });
      await expectCode(verifyStateKeyRequest(passed, await sign(passed), context()), "STATE_KEY_DEADLINE_INVALID", 403);
      const now = request({ deadline: NOW });
      expect(await verifyStateKeyRequest(now, await sign(now), context())).to.deep.equal(recipient.publicJwk);
    });

    it("refuses a request replayed with another recipient key (the recipient key is signed)", async () => {
      const original = request();
      const signature = await sign(original);
      const attacker = generateWorkerKeyPair();
      const replayed = { ...original, recipientKey: jwkThumbprint(attacker.publicJwk) };
      const call = verifyStateKeyRequest(replayed, signature, context({ recipientJwk: attacker.publicJwk }));
      await expectCode(call, "STATE_KEY_SIGNATURE_INVALID", 403);
    });

    it("refuses a recipient JWK other than the one whose thumbprint was signed", async () => {
      const r = request();
      const call = verifyStateKeyRequest(
        r,
        await sign(r),
        context({ recipientJwk: generateWorkerKeyPair().publicJwk }),
      );
      await expectCode(call, "STATE_KEY_RECIPIENT_MISMATCH", 403);
    });

    it("refuses a recipient JWK that carries its private key", async () => {
      const r = request();
      const leaky = { ...recipient.publicJwk, d: recipient.privateKey.export({ format: "jwk" }).d };
      await expectCode(
        verifyStateKeyRequest(r, await sign(r), context({ recipientJwk: leaky })),
        "WORKER_KEY_INVALID",
        400,
      );
    });

    it("refuses a step that is not settled", async () => {
      const r = request({ toStep: 3 });
      await expectCode(verifyStateKeyRequest(r, await sign(r), context()), "STATE_KEY_STEP_NOT_SETTLED", 403);
    });

    it("always allows the genesis key, without asking the chain", async () => {
      const r = request({ toStep: 0 });
      const asked: number[] = [];
      const isSettled = (k: number) => (asked.push(k), Promise.resolve(false));
      expect(await verifyStateKeyRequest(r, await sign(r), context({ isSettled }))).to.deep.equal(recipient.publicJwk);
      expect(asked).to.deep.equal([]);
    });

    it("asks the chain about every requested step ≥ 1", async () => {
      const r = request({ fromStep: 0, toStep: 3 });
      const asked: number[] = [];
      const isSettled = (k: number) => (asked.push(k), Promise.resolve(true));
      await verifyStateKeyRequest(r, await sign(r), context({ isSettled }));
      expect(asked).to.deep.equal([1, 2, 3]);
    });

    it("fails closed (503) when the chain cannot be read", async () => {
      const r = request();
      const isSettled = () => Promise.reject(new Error("connection refused"));
      await expectCode(
        verifyStateKeyRequest(r, await sign(r), context({ isSettled })),
        "STATE_KEY_CHAIN_UNAVAILABLE",
        503,
      );
    });

    it("refuses an inverted range and more than 256 steps, accepts exactly 256", async () => {
      const inverted = request({ fromStep: 3, toStep: 2 });
      await expectCode(
        verifyStateKeyRequest(inverted, await sign(inverted), context()),
        "STATE_KEY_RANGE_INVALID",
        400,
      );
      const all = context({ isSettled: () => Promise.resolve(true) });
      const big = request({ fromStep: 0, toStep: 256 });
      await expectCode(verifyStateKeyRequest(big, await sign(big), all), "STATE_KEY_RANGE_INVALID", 400);
      const max = request({ fromStep: 1, toStep: 256 });
      expect(await verifyStateKeyRequest(max, await sign(max), all)).to.deep.equal(recipient.publicJwk);
    });

    it("refuses a malleated (high-s) twin of the buyer's signature and a 64-byte signature", async () => {
      const r = request();
      const sig = parseSignature(await sign(r));
      const s = SECP256K1_N - BigInt(sig.s);
      const twin = serializeSignature({
        r: sig.r,
        s: `0x${s.toString(16).padStart(64, "0")}`,
        yParity: sig.yParity === 0 ? 1 : 0,
      });
      // viem alone would recover the twin to the buyer: the low-s rule is what refuses it.
      await expectCode(verifyStateKeyRequest(r, twin, context()), "STATE_KEY_SIGNATURE_INVALID", 403, "low-s");
      const short = (await sign(r)).slice(0, 130) as Hex;
      await expectCode(verifyStateKeyRequest(r, short, context()), "STATE_KEY_SIGNATURE_INVALID", 403, "65-byte");
    });

    it("refuses out-of-range fields as malformed", async () => {
      const r = request({ toStep: 2 ** 32 });
      await expectCode(verifyStateKeyRequest(r, `0x${"00".repeat(65)}`, context()), "STATE_KEY_REQUEST_MALFORMED", 400);
      const neg = request({ deadline: -1n });
      await expectCode(
        verifyStateKeyRequest(neg, `0x${"00".repeat(65)}`, context()),
        "STATE_KEY_REQUEST_MALFORMED",
        400,
      );
    });
  });

  describe("encryptStateKeys", () => {
    const release = (r: StateKeyRequest) => ({
      request: r,
      recipientJwk: recipient.publicJwk,
      secrets: SECRETS,
      purchaseBlock: 10n,
      chainId: 31337n,
      market: MARKET,
    });

    it("encrypts stateKey(k) for every k in [fromStep, toStep] to the recipient", async () => {
      const r = request({ fromStep: 0, toStep: 2 });
      const jwe = await encryptStateKeys(release(r));
      const { kv, keys } = await decryptStateKeys(jwe, recipient.privateKey, r);
      const ck = chainKey(SECRETS[0]!.secret, 31337n, MARKET, 7n);
      expect(kv).to.equal(4);
      expect([...keys.entries()]).to.deep.equal([0, 1, 2].map((k) => [k, bytesToHex(stateKey(ck, k))]));
    });

    it("binds typ, entitlementId, fromStep, toStep and kv in the protected header", async () => {
      const header = decodeProtectedHeader(await encryptStateKeys(release(request({ fromStep: 1, toStep: 2 }))));
      expect(header).to.include({
        alg: "ECDH-ES+A256KW",
        enc: "A256GCM",
        typ: "swarm-state-keys+jwe",
        entitlementId: "7",
        fromStep: "1",
        toStep: "2",
        kv: "4",
      });
    });

    it("cannot be read with another key", async () => {
      const r = request();
      const jwe = await encryptStateKeys(release(r));
      let code: unknown;
      await decryptStateKeys(jwe, generateWorkerKeyPair().privateKey, r).catch(
        (e: { code?: unknown }) => (code = e.code),
      );
      expect(code).to.equal("CAPS_DECRYPT_FAILED");
    });
  });
});
