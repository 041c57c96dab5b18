import { expect } from "chai";

import { generateWorkerKeyPair } from "../../client/src/protocol/keys";
import { fetchIdToken } from "../gateway/oidc/fixtures";
import { COMMIT, type World, startWorld } from "./support/world";

describe("e2e: per-subject limits", function () {
  this.timeout(120_000);
  let world: World;

  before(async () => {
    world = await startWorld({ subjectRateLimit: { ratePerSecond: 0.001, burst: 2 } });
  });

  after(async () => {
    await world?.stop();
  });

  async function openSession(context: Record<string, string>) {
    const run = world.issuer.registerRun({ jobWorkflowSha: COMMIT, sha: COMMIT, ...context });
    const token = await fetchIdToken(run, world.gateway.context.audience);
    const res = await fetch(`${world.url}/v1/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({
        entitlementId: "1",
        workerKey: generateWorkerKeyPair().publicJwk,
        policy: { hash: world.policy.policyHash },
      }),
    });
    return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
  }

  it("throttles a flood from one repository's subject without touching another's", async () => {
    await world.buy(1);
    expect((await openSession({})).status).to.equal(201);
    expect((await openSession({})).status).to.equal(201);
    const third = await openSession({});
    expect([third.status, third.body.error?.code]).to.deep.equal([429, "RATE_LIMITED"]);
    // Another repository has its own budget: it is refused for who it is, not for the flood.
    const other = await openSession({ repository: "octo-org/other-repo", repositoryId: "1" });
    expect(other.body.error?.code).to.equal("IDENTITY_REPOSITORY_MISMATCH");
  });
});
