import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { exportAndVerify, gatewayBundleInputs } from "../../../client/src/bundle";
import type { StepPermit } from "../../../client/src/protocol/eip712";
import { generateWorkerKeyPair, jwkThumbprint } from "../../../client/src/protocol/keys";
import { cosign, formatNote, parseNote } from "../../../client/src/protocol/transparency";
import { stepPermitToJson } from "../../../gateway/src/permits/schema";
import { COMMIT, type World, startWorld } from "../../e2e/support/world";
import { fetchIdToken } from "../../gateway/oidc/fixtures";
import { keyPair, localTsa, witnessKeys, witnessNames, witnessVkeys } from "./support/fullBundle";

describe("bundle/gatewayInputs: export from a real gateway over HTTP, then verify offline", function () {
  this.timeout(180_000);
  let world: World;
  let work: string;
  const exporter = keyPair(0x61);

  before(async () => {
    world = await startWorld();
    work = await mkdtemp(join(tmpdir(), "swarm-bundle-gw-"));
  });
  after(async () => {
    await world?.stop();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  /** Releases one step's caps over HTTP, so the gateway appends real receipts. */
  async function releaseOneStep(): Promise<bigint> {
    const id = await world.buy(1);
    const worker = generateWorkerKeyPair();
    const permit: StepPermit = {
      entitlementId: id,
      step: 1,
      fromStep: 0,
      runId: 27476101517n,
      runAttempt: 1,
      workerKey: jwkThumbprint(worker.publicJwk),
      commit: `0x${COMMIT}`,
      policyHash: world.policy.policyHash,
      gateway: world.gatewayAddress,
      deadline: BigInt(Math.floor(Date.now() / 1000) + 600),
    };
    const run = world.issuer.registerRun({ jobWorkflowSha: COMMIT, sha: COMMIT });
    const res = await fetch(`${world.url}/v1/caps`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${await fetchIdToken(run, world.gateway.context.audience)}`,
      },
      body: JSON.stringify({
        permit: stepPermitToJson(permit),
        signature: await world.signPermit(permit),
        workerKey: worker.publicJwk,
        policy: { hash: world.policy.policyHash },
      }),
    });
    expect(res.status).to.equal(200);
    return id;
  }

  it("exports the gateway's receipts under its checkpoint, cosigned and timestamped, and verifies them valid", async () => {
    const id = await releaseOneStep();
    await releaseOneStep();
    const clock = () => new Date();
    const tsa = await localTsa(clock);
    const inputs = await gatewayBundleInputs({
      gatewayUrl: world.url,
      fetch,
      subject: { kind: "entitlement", chainId: "31337", market: world.market.toLowerCase(), entitlementId: String(id) },
      signer: exporter,
      clock,
      timestamp: tsa,
    });
    expect(inputs.log, "the gateway publishes a checkpoint").to.not.equal(undefined);
    // Two witnesses cosign the gateway's checkpoint (what `swarm witness` does after its consistency check).
    const note = parseNote(inputs.log!.checkpoint);
    const time = Math.floor(Date.now() / 1000);
    const cosignatures = [0, 1].map((i) =>
      cosign(note.text, { name: witnessNames[i]!, privateKey: witnessKeys[i]!.privateKey }, time),
    );
    const checkpoint = formatNote({ text: note.text, signatures: [...note.signatures, ...cosignatures] });
    const witnessed = {
      ...inputs,
      log: { ...inputs.log!, checkpoint, witnesses: { threshold: 2, keys: witnessVkeys } },
    };

    const { report } = await exportAndVerify(join(work, "full"), witnessed, {
      pins: {
        issuerKey: exporter.publicKey,
        tsaChainPem: tsa.tsaChainPem,
        witnessPolicy: { threshold: 2, witnesses: witnessVkeys, origin: inputs.log!.origin },
      },
      clock,
    });
    expect(report.status, JSON.stringify(report.checks)).to.equal("valid");
    expect(report.strength).to.equal("witnessed");
    expect(report.partial).to.equal(false);
    expect(report.checks.find((c) => c.name === "timestamp")?.status).to.equal("passed");
    expect(report.receipts!.count).to.equal(inputs.log!.treeSize);
  });

  it("exports a prefix of the gateway's receipts with inclusion proofs from its proof route", async () => {
    await releaseOneStep();
    const clock = () => new Date();
    const inputs = await gatewayBundleInputs({
      gatewayUrl: world.url,
      fetch,
      subject: { kind: "entitlement", chainId: "31337", market: world.market.toLowerCase(), entitlementId: "1" },
      signer: exporter,
      clock,
      to: 2,
    });
    expect(inputs.log?.inclusion?.length).to.equal(2);
    const { report } = await exportAndVerify(join(work, "prefix"), inputs, {
      pins: { issuerKey: exporter.publicKey },
      clock,
    });
    expect(report.status, JSON.stringify(report.checks)).to.equal("valid");
    expect([report.strength, report.partial]).to.deep.equal(["published", true]);
  });
});
