import { expect } from "chai";
import type { Hex } from "viem";

import { type GatewayClient, GatewayRequestError } from "../../../client/src/gateway/client";
import { type StepPermit, stepPermitToJson as permitJson } from "../../../client/src/protocol/eip712";
import { isProtocolError } from "../../../client/src/protocol/errors";
import { generateWorkerKeyPair, jwkThumbprint } from "../../../client/src/protocol/keys";
import { RunnerErrorCode } from "../../../client/src/runner/errors";
import { permitDigestOf } from "../../../client/src/runner/permit";
import { requestCaps } from "../../../client/src/runner/requestCaps";
import { openRunnerSession, waitForPermit } from "../../../client/src/runner/session";
import { encryptCaps } from "../../../gateway/src/caps/release";

const MARKET = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const START = 1_781_377_264_000;
const worker = generateWorkerKeyPair();
const PERMIT: StepPermit = {
  entitlementId: 7n,
  step: 1,
  fromStep: 0,
  runId: 27476101517n,
  runAttempt: 1,
  workerKey: jwkThumbprint(worker.publicJwk),
  commit: "0x30bace97d4fbcd657d31d2de06068ab14b491473",
  policyHash: `0x${"b2".repeat(32)}`,
  gateway: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  deadline: 1_781_380_000n,
};
const SIGNATURE: Hex = `0x${"11".repeat(65)}`;
const DIGEST = permitDigestOf(PERMIT, 31337n, MARKET);
const EXPECTED = { entitlementId: 7n, workerKey: PERMIT.workerKey, runId: PERMIT.runId, runAttempt: 1 };

/** Test double: a clock that only moves when the sleep double is awaited, recording each wait. */
function manualTime() {
  let now = START;
  const sleeps: number[] = [];
  return {
    clock: () => new Date(now),
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
  };
}

/** Test double: a gateway client whose methods answer from scripted queues; unscripted methods fail the test. */
function scriptedGateway(script: Partial<GatewayClient>): GatewayClient {
  const missing = async () => expect.fail("unexpected gateway call");
  return {
    openSession: missing,
    listSessions: missing,
    attachPermit: missing,
    sessionPermit: missing,
    releaseCaps: missing,
    stateKeys: missing,
    receipt: missing,
    describe: missing,
    ...script,
  };
}

/** Answers each call with the next entry: a value, or an error to throw. */
function queue<T>(entries: Array<T | Error>): () => Promise<T> {
  return async () => {
    if (entries.length === 0) expect.fail("called more often than scripted");
    const next = entries.shift() as T | Error;
    if (next instanceof Error) throw next;
    return next;
  };
}

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

const unavailable = () => new GatewayRequestError("CHAIN_UNAVAILABLE", "down", 503);
const attached = { permit: permitJson(PERMIT), signature: SIGNATURE };

describe("runner: session, permit and caps", () => {
  it("refuses a session answer for another worker key", async () => {
    const other = generateWorkerKeyPair();
    const gateway = scriptedGateway({
      openSession: async (_token, body) =>
        ({
          id: "s1",
          entitlementId: body.entitlementId.toString(),
          workerKey: jwkThumbprint(other.publicJwk),
        }) as Awaited<ReturnType<GatewayClient["openSession"]>>,
    });
    await expectCode(
      () =>
        openRunnerSession({
          gateway,
          idToken: async () => "a.b.c",
          entitlementId: 7n,
          worker,
          policy: { hash: PERMIT.policyHash },
        }),
      RunnerErrorCode.SESSION_MISMATCH,
    );
  });

  it("polls with backoff through empty answers and outages until the buyer's permit arrives", async () => {
    const time = manualTime();
    const gateway = scriptedGateway({
      sessionPermit: queue<typeof attached | undefined>([undefined, unavailable(), undefined, attached]),
    });
    const got = await waitForPermit({
      gateway,
      sessionId: "s1",
      expected: EXPECTED,
      ...time,
      deadline: new Date(START + 60_000),
    });
    expect(got).to.deep.equal({ permit: PERMIT, signature: SIGNATURE });
    expect(time.sleeps).to.deep.equal([500, 1000, 2000]);
  });

  it("gives up at the deadline", async () => {
    const time = manualTime();
    const gateway = scriptedGateway({ sessionPermit: async () => undefined });
    await expectCode(
      () => waitForPermit({ gateway, sessionId: "s1", expected: EXPECTED, ...time, deadline: new Date(START + 5_000) }),
      RunnerErrorCode.PERMIT_WAIT_TIMEOUT,
    );
    expect(time.sleeps.reduce((a, b) => a + b, 0)).to.equal(5_000);
  });

  it("refuses a permit bound to another worker key or run, and a malformed one", async () => {
    const time = manualTime();
    const deadline = new Date(START + 60_000);
    const cases: Array<[unknown, string]> = [
      [
        { ...attached, permit: permitJson({ ...PERMIT, workerKey: `0x${"99".repeat(32)}` }) },
        RunnerErrorCode.PERMIT_MISMATCH,
      ],
      [{ ...attached, permit: permitJson({ ...PERMIT, runId: 5n }) }, RunnerErrorCode.PERMIT_MISMATCH],
      [{ ...attached, permit: { ...permitJson(PERMIT), step: 1 } }, RunnerErrorCode.PERMIT_MALFORMED],
      [{ ...attached, permit: { ...permitJson(PERMIT), extra: "1" } }, RunnerErrorCode.PERMIT_MALFORMED],
    ];
    for (const [answer, code] of cases) {
      const gateway = scriptedGateway({ sessionPermit: async () => answer as typeof attached });
      await expectCode(() => waitForPermit({ gateway, sessionId: "s1", expected: EXPECTED, ...time, deadline }), code);
    }
  });

  it("does not poll on after the session is gone", async () => {
    const time = manualTime();
    const gone = new GatewayRequestError("SESSION_UNKNOWN", "no such session", 404);
    const gateway = scriptedGateway({ sessionPermit: queue<typeof attached | undefined>([gone]) });
    await expectCode(
      () =>
        waitForPermit({ gateway, sessionId: "s1", expected: EXPECTED, ...time, deadline: new Date(START + 60_000) }),
      "SESSION_UNKNOWN",
    );
  });

  describe("requestCaps", () => {
    const expiresAt = BigInt(START / 1000 + 3600);
    const jwe = () =>
      encryptCaps({
        workerJwk: worker.publicJwk,
        entitlementId: 7n,
        step: 1,
        permitDigest: DIGEST,
        kv: 1,
        payload: {
          stateCapIn: `0x${"01".repeat(32)}`,
          stateCapOut: `0x${"02".repeat(32)}`,
          netCap: "a.b.c",
          expiresAt,
        },
      });
    const base = (gateway: GatewayClient, tokens: string[], time: ReturnType<typeof manualTime>) => ({
      gateway,
      idToken: async () => {
        tokens.push(`token-${tokens.length}`);
        return tokens[tokens.length - 1]!;
      },
      permit: PERMIT,
      signature: SIGNATURE,
      permitDigest: DIGEST,
      worker,
      policy: { hash: PERMIT.policyHash },
      ...time,
      deadline: new Date(START + 60_000),
    });

    it("retries outages with a fresh token each time, then decrypts the caps", async () => {
      const time = manualTime();
      const used: string[] = [];
      const answer = { jwe: await jwe(), txHash: `0x${"cc".repeat(32)}` as Hex, receiptSeq: "4", redelivery: true };
      const unreachable = new GatewayRequestError("GATEWAY_UNREACHABLE", "unreachable", 0);
      const script = queue<typeof answer>([unavailable(), unreachable, answer]);
      const gateway = scriptedGateway({
        releaseCaps: async (token) => {
          used.push(token);
          return script();
        },
      });
      const tokens: string[] = [];
      const got = await requestCaps(base(gateway, tokens, time));
      expect(got.caps).to.deep.include({ stateCapIn: `0x${"01".repeat(32)}`, stateCapOut: `0x${"02".repeat(32)}` });
      expect(got.redelivery).to.equal(true);
      expect(used).to.deep.equal(["token-0", "token-1", "token-2"]);
      expect(time.sleeps).to.deep.equal([500, 1000]);
    });

    it("passes a refusal through with the gateway's code, without retrying", async () => {
      const time = manualTime();
      const refused = new GatewayRequestError("WORKER_KEY_MISMATCH", "no", 403);
      const gateway = scriptedGateway({ releaseCaps: queue<never>([refused]) });
      await expectCode(() => requestCaps(base(gateway, [], time)), "WORKER_KEY_MISMATCH");
      expect(time.sleeps).to.deep.equal([]);
    });

    it("reports CAPS_REQUEST_FAILED when the outage outlasts the deadline", async () => {
      const time = manualTime();
      const gateway = scriptedGateway({ releaseCaps: async () => Promise.reject(unavailable()) });
      await expectCode(() => requestCaps(base(gateway, [], time)), RunnerErrorCode.CAPS_REQUEST_FAILED);
      expect(time.clock().getTime()).to.be.at.most(START + 60_000);
    });

    it("refuses caps released for another permit", async () => {
      const time = manualTime();
      const answer = { jwe: await jwe(), txHash: `0x${"cc".repeat(32)}` as Hex, receiptSeq: "4", redelivery: false };
      const gateway = scriptedGateway({ releaseCaps: async () => answer });
      await expectCode(
        () => requestCaps({ ...base(gateway, [], time), permitDigest: `0x${"dd".repeat(32)}` }),
        "CAPS_PERMIT_MISMATCH",
      );
    });
  });
});
