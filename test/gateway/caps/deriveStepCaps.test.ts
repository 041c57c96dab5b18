import { expect } from "chai";
import { generateKeyPairSync } from "node:crypto";
import { type Address, type Hex, bytesToHex } from "viem";

import { decryptCaps } from "../../../client/src/protocol/caps";
import type { Clock } from "../../../client/src/protocol/clock";
import { ed25519PublicJwk, generateWorkerKeyPair } from "../../../client/src/protocol/keys";
import { netCapIssuer, verifyNetCap } from "../../../client/src/protocol/netcap";
import { GatewayError } from "../../../gateway/src/errors";
import { chainKey, stateKey } from "../../../gateway/src/caps/derive";
import { type ConsumedStepFacts, type StepCapsContext, deriveStepCaps } from "../../../gateway/src/caps/deriveStepCaps";
import { netCapSigningKey } from "../../../gateway/src/caps/netcap";
import { encryptCaps } from "../../../gateway/src/caps/release";
import type { MasterSecret } from "../../../gateway/src/caps/secrets";

const MARKET: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const GATEWAY: Address = "0x70997970C51812dc3A010C7d01b50e79d17dc79C";
const CONSUMED_AT = 1_700_000_000n;
const STEP_TIMEOUT = 3600n;
const at =
  (seconds: bigint): Clock =>
  () =>
    new Date(Number(seconds) * 1000);
const SECRETS: MasterSecret[] = [
  { kv: 1, startBlock: 0n, secret: new Uint8Array(32).fill(1) },
  { kv: 2, startBlock: 100n, secret: new Uint8Array(32).fill(2) },
];
const ROUTES = [
  { effect: "allow", scheme: "https", host: "api.example.com", port: "443", methods: ["GET"], pathPrefix: "/" },
];
const netCapKey = generateKeyPairSync("ed25519").privateKey;

function facts(overrides: Partial<ConsumedStepFacts> = {}): ConsumedStepFacts {
  return {
    chainId: 31337n,
    market: MARKET,
    gateway: GATEWAY,
    entitlementId: 7n,
    purchaseBlock: 150n,
    step: 3,
    fromStep: 2,
    consumedAt: CONSUMED_AT,
    stepTimeout: STEP_TIMEOUT,
    permitDigest: `0x${"ab".repeat(32)}` as Hex,
    ...overrides,
  };
}

function context(overrides: Partial<StepCapsContext> = {}): StepCapsContext {
  return {
    secrets: SECRETS,
    routes: ROUTES,
    netCapKey: netCapSigningKey(netCapKey),
    clock: at(CONSUMED_AT + 5n),
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

describe("gateway/caps/deriveStepCaps", () => {
  it("derives stateCapIn = stateKey(fromStep) and stateCapOut = stateKey(step) under the purchase block's secret", async () => {
    const caps = await deriveStepCaps(facts(), context());
    const ck = chainKey(SECRETS[1]!.secret, 31337n, MARKET, 7n);
    expect(caps.kv).to.equal(2);
    expect(caps.stateCapIn).to.equal(bytesToHex(stateKey(ck, 2)));
    expect(caps.stateCapOut).to.equal(bytesToHex(stateKey(ck, 3)));
    expect(caps.expiresAt).to.equal(CONSUMED_AT + STEP_TIMEOUT);
  });

  it("uses the old secret for an entitlement bought before the rotation", async () => {
    const caps = await deriveStepCaps(facts({ purchaseBlock: 99n }), context());
    expect(caps.kv).to.equal(1);
    expect(caps.stateCapOut).to.equal(bytesToHex(stateKey(chainKey(SECRETS[0]!.secret, 31337n, MARKET, 7n), 3)));
  });

  it("chains steps: step k's stateCapOut is the stateCapIn of a step continuing from k", async () => {
    const k3 = await deriveStepCaps(facts(), context());
    const k4 = await deriveStepCaps(facts({ step: 4, fromStep: 3 }), context());
    const branch = await deriveStepCaps(facts({ step: 5, fromStep: 3 }), context());
    expect(k4.stateCapIn).to.equal(k3.stateCapOut);
    expect(branch.stateCapIn).to.equal(k3.stateCapOut);
    expect(k4.stateCapOut).to.not.equal(branch.stateCapOut);
  });

  it("is deterministic: a re-delivery derives the same caps (they are never stored)", async () => {
    const a = await deriveStepCaps(facts(), context());
    const b = await deriveStepCaps(facts(), context({ clock: at(CONSUMED_AT + 100n) }));
    expect([b.kv, b.stateCapIn, b.stateCapOut, b.expiresAt]).to.deep.equal([
      a.kv,
      a.stateCapIn,
      a.stateCapOut,
      a.expiresAt,
    ]);
  });

  it("issues a netCap for exactly this step, expiring at consumedAt + stepTimeout", async () => {
    const caps = await deriveStepCaps(facts(), context());
    const claims = await verifyNetCap(caps.netCap, {
      keys: [ed25519PublicJwk(netCapKey)],
      issuer: netCapIssuer(31337n, GATEWAY),
      market: MARKET,
      chainId: 31337n,
      clock: at(CONSUMED_AT + 5n),
    });
    expect(claims).to.deep.include({ entitlementId: "7", step: "3", jti: `0x${"ab".repeat(32)}`, routes: ROUTES });
    expect(claims.exp).to.equal(Number(CONSUMED_AT + STEP_TIMEOUT));
  });

  it("refuses once the step's window has closed (at consumedAt + stepTimeout)", async () => {
    await expectCode(
      deriveStepCaps(facts(), context({ clock: at(CONSUMED_AT + STEP_TIMEOUT) })),
      "CAPS_STEP_EXPIRED",
      403,
    );
  });

  it("refuses a step not after its fromStep, and step 0", async () => {
    await expectCode(deriveStepCaps(facts({ fromStep: 3 }), context()), "CAPS_DERIVATION_INPUT_INVALID", 500);
    await expectCode(deriveStepCaps(facts({ step: 0, fromStep: 0 }), context()), "CAPS_DERIVATION_INPUT_INVALID", 500);
  });

  it("refuses (503) when no secret covers the purchase block", async () => {
    await expectCode(
      deriveStepCaps(facts({ purchaseBlock: 5n }), context({ secrets: SECRETS.slice(1) })),
      "CAPS_NO_SECRET",
      503,
    );
  });

  it("round-trips through the release JWE to the runner", async () => {
    const worker = generateWorkerKeyPair();
    const caps = await deriveStepCaps(facts(), context());
    const { kv, stateCapIn, stateCapOut, netCap, expiresAt } = caps;
    const jwe = await encryptCaps({
      workerJwk: worker.publicJwk,
      entitlementId: 7n,
      step: 3,
      permitDigest: facts().permitDigest,
      kv,
      payload: { stateCapIn, stateCapOut, netCap, expiresAt },
    });
    const expected = { entitlementId: 7n, step: 3, permitDigest: facts().permitDigest, clock: at(CONSUMED_AT + 5n) };
    expect(await decryptCaps(jwe, worker.privateKey, expected)).to.deep.equal(caps);
  });
});
