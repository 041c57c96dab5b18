import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";

import type { ConsumedStep } from "../../../../client/src/keeper/consumedStep";
import { KeeperErrorCode } from "../../../../client/src/keeper/errors";
import { folderEvidenceSource } from "../../../../client/src/keeper/evidence/folder";
import { isProtocolError } from "../../../../client/src/protocol/errors";

const STEP: ConsumedStep = {
  entitlementId: 3n,
  step: 1,
  fromStep: 0,
  permitDigest: `0x${"11".repeat(32)}`,
  workerKey: `0x${"22".repeat(32)}`,
  runId: 1n,
  runAttempt: 1,
  blockNumber: 1n,
  txHash: `0x${"33".repeat(32)}`,
};

describe("keeper evidence from a local folder", () => {
  let root: string;
  beforeEach(async () => (root = await mkdtemp(path.join(tmpdir(), "swarm-keeper-folder-"))));
  afterEach(() => rm(root, { recursive: true, force: true }));

  it("reads the step folder's evidence files, not links or oddly named entries", async () => {
    const dir = path.join(root, "3", "1");
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "certificate.json"), "{}");
    await writeFile(path.join(dir, "certificate.sigstore.json"), "{}");
    await writeFile(path.join(dir, "state.jwe"), "s");
    await writeFile(path.join(dir, ".hidden"), "h");
    await writeFile(path.join(root, "outside"), "secret");
    await symlink(path.join(root, "outside"), path.join(dir, "result.jwe"));
    const files = await folderEvidenceSource(root).stepFiles(STEP);
    expect(Object.keys(files).sort()).to.deep.equal(["certificate.json", "certificate.sigstore.json", "state.jwe"]);
  });

  it("reports a missing folder, or one without its bundle, as evidence missing", async () => {
    let caught: unknown;
    await folderEvidenceSource(root)
      .stepFiles(STEP)
      .catch((e: unknown) => (caught = e));
    expect(isProtocolError(caught, KeeperErrorCode.EVIDENCE_MISSING)).to.equal(true);
    await mkdir(path.join(root, "3", "1"), { recursive: true });
    await writeFile(path.join(root, "3", "1", "certificate.json"), "{}");
    caught = undefined;
    await folderEvidenceSource(root)
      .stepFiles(STEP)
      .catch((e: unknown) => (caught = e));
    expect(isProtocolError(caught, KeeperErrorCode.EVIDENCE_MISSING)).to.equal(true);
  });

  it("provides the buyer's genesis state (<root>/<id>/0/state.jwe), nothing when absent, never through a link", async () => {
    const source = folderEvidenceSource(root);
    expect(await source.genesisState!(STEP)).to.equal(undefined);
    await mkdir(path.join(root, "3", "0"), { recursive: true });
    await writeFile(path.join(root, "outside"), "not the genesis state");
    await symlink(path.join(root, "outside"), path.join(root, "3", "0", "state.jwe"));
    expect(await source.genesisState!(STEP)).to.equal(undefined);
    await rm(path.join(root, "3", "0", "state.jwe"));
    await writeFile(path.join(root, "3", "0", "state.jwe"), "genesis");
    expect(Buffer.from((await source.genesisState!(STEP))!).toString()).to.equal("genesis");
  });
});
