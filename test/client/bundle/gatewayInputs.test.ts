import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { exportAndVerify, gatewayBundleInputs } from "../../../client/src/bundle";
import { cosign, formatNote, parseNote } from "../../../client/src/protocol/transparency";
import { releaseOneStep } from "../../e2e/support/releaseStep";
import { type World, startWorld } from "../../e2e/support/world";
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

  it("exports the gateway's receipts under its checkpoint, cosigned and timestamped, and verifies them valid", async () => {
    const { entitlementId: id } = await releaseOneStep(world);
    await releaseOneStep(world);
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
    await releaseOneStep(world);
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
