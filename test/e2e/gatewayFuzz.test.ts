import { expect } from "chai";

import { decryptCaps } from "../../client/src/protocol/caps";
import { permitDigest } from "../../gateway/src/permits/verifySignature";
import { FuzzRandom, fuzzSettings } from "./support/fuzzRandom";
import { fuzzPlan } from "./support/fuzzPlan";
import type { FuzzTargets } from "./support/fuzzRequests";
import { sendFuzz } from "./support/fuzzSender";
import { type CapsTarget, consumedOnChain, fuzzTargets, receiptKinds, stateKeyBody } from "./support/fuzzWorld";
import type { JsonObject } from "./support/fuzzValues";
import { type World, startWorld } from "./support/world";

/** Requests in flight at once. */
const CONCURRENCY = 16;
/**
 * Checks deep in the caps, session and state-key chains (a code, or a prefix ending in `_`): mutations must reach
 * them, not all stop at parsing.
 */
const DEEP_CODES = [
  "TOKEN_SIGNATURE_INVALID",
  "TOKEN_ALG_NOT_ALLOWED",
  "TOKEN_REPLAYED",
  "IDENTITY_",
  "RUN_",
  "WORKER_KEY_MISMATCH",
  "POLICY_MISMATCH",
  "PERMIT_SIGNATURE_INVALID",
  "SESSION_PERMIT_MISMATCH",
  "STATE_KEY_SIGNATURE_INVALID",
];

/** The distinct failures with how often each occurred, at most 40 (a broken check fails thousands of times). */
function distinct(failures: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const f of failures) counts.set(f, (counts.get(f) ?? 0) + 1);
  return [...counts].slice(0, 40).map(([f, n]) => (n > 1 ? `${n}× ${f}` : f));
}

/**
 * The contracts issue's fuzz case: thousands of random and mutated requests (seeded: `SWARM_FUZZ_SEED`, sized:
 * `SWARM_FUZZ_REQUESTS`) against a gateway with real services, a real node and the dev OIDC issuer. Each
 * mutation changes one thing of a valid request, so it gets far into the checks; the valid originals stay
 * unsent until the very end, where one is sent as a control that must succeed.
 */
describe("e2e: the gateway under random and mutated requests", function () {
  this.timeout(300_000);
  const { seed, requests } = fuzzSettings(process.env);
  let world: World;
  let targets: FuzzTargets;
  let caps: CapsTarget[];

  before(async () => {
    world = await startWorld({ subjectRateLimit: { ratePerSecond: 1_000_000, burst: 1_000_000 } });
    ({ targets, caps } = await fuzzTargets(world, 3));
  });

  after(async () => {
    await world?.stop();
  });

  it(`answers ${requests} random and mutated requests without a 5xx but 503, malformed error, or release (seed ${seed})`, async () => {
    const started = Date.now();
    const plan = fuzzPlan(new FuzzRandom(seed), targets, requests);
    const report = await sendFuzz(world.url, plan, CONCURRENCY);
    const elapsed = Date.now() - started;
    const summary = `seed ${seed}, ${report.sent} answers in ${elapsed} ms, statuses ${JSON.stringify([...report.statuses])}`;

    const ids = caps.map((c) => c.entitlementId);
    expect(await consumedOnChain(world, ids), "no target entitlement consumed").to.deep.equal(ids.map(() => 0));
    expect(distinct(report.failures), `${report.failures.length} failures (${summary})`).to.deep.equal([]);
    expect(report.sent, summary).to.be.at.least(requests);
    expect((await receiptKinds(world)).get("released") ?? 0, "no released receipt").to.equal(0);
    if (requests >= 1_000) {
      const codes = [...report.codes.keys()];
      const missed = DEEP_CODES.filter(
        (c) => !codes.some((code) => (c.endsWith("_") ? code.startsWith(c) : code === c)),
      );
      expect(missed, `deep checks never reached (codes ${JSON.stringify([...report.codes])})`).to.deep.equal([]);
    }
  });

  it("still releases to the valid original request after the flood, and only to it", async () => {
    const [target, ...others] = caps;
    const res = await fetch(`${world.url}/v1/caps`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${targets.tokens.fresh()}` },
      body: JSON.stringify(target!.body),
    });
    const answer = (await res.json()) as { jwe: string; redelivery: boolean };
    expect(res.status, JSON.stringify(answer)).to.equal(200);
    expect(answer.redelivery).to.equal(false);
    const released = await decryptCaps(answer.jwe, target!.worker.privateKey, {
      entitlementId: target!.entitlementId,
      step: 1,
      permitDigest: permitDigest(target!.permit, world.gateway.context.domain),
      clock: () => new Date(),
    });
    expect(released.stateCapOut).to.match(/^0x[0-9a-f]{64}$/);
    expect(
      await consumedOnChain(
        world,
        caps.map((c) => c.entitlementId),
      ),
    ).to.deep.equal([1, ...others.map(() => 0)]);

    const stateKeys = await fetch(`${world.url}/v1/state-keys`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(await stateKeyBody(world, target!.entitlementId)),
    });
    expect(stateKeys.status).to.equal(200);
    expect((await fetch(`${world.url}/healthz`)).status).to.equal(200);
  });

  // Found by the fuzz run (seed above), kept as plain regression tests.

  it("answers 400, not 500, to a permit whose integer field is not a decimal string (caps and session permit)", async () => {
    const target = caps[1]!;
    const session = targets.sessions[0]!;
    for (const step of ["1.0", "\uff11", "A".repeat(64)]) {
      const permit = { ...(target.body.permit as JsonObject), step };
      const released = await postJson("/v1/caps", { ...target.body, permit }, targets.tokens.fresh());
      expect([released.status, released.code], `step ${step.slice(0, 8)}`).to.deep.equal([400, "REQUEST_MALFORMED"]);
      const attached = await postJson(`/v1/sessions/${session.id}/permit`, { ...session.attach, permit });
      expect([attached.status, attached.code], `step ${step.slice(0, 8)}`).to.deep.equal([400, "REQUEST_MALFORMED"]);
    }
  });

  it("refuses a state-key request whose signature spells v as 0/1, a second encoding of the buyer's signature", async () => {
    const body = await stateKeyBody(world, caps[2]!.entitlementId);
    const signature = body.signature as string;
    const v = parseInt(signature.slice(130), 16);
    const respelled = { ...body, signature: `${signature.slice(0, 130)}0${v - 27}` };
    const refused = await postJson("/v1/state-keys", respelled);
    expect([refused.status, refused.code]).to.deep.equal([403, "STATE_KEY_SIGNATURE_INVALID"]);
    expect((await postJson("/v1/state-keys", body)).status).to.equal(200);
  });

  async function postJson(path: string, body: unknown, token?: string) {
    const res = await fetch(`${world.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const answer = (await res.json()) as { error?: { code: string } };
    return { status: res.status, code: answer.error?.code };
  }
});
