import { expect } from "chai";
import { readFileSync } from "node:fs";
import hre from "hardhat";

import { ANCHOR_ABI_MODULE, anchorAbiModule } from "../../../../scripts/export-abi";

describe("protocol/abi/evidenceAnchor", () => {
  it("matches the compiled EvidenceAnchor (run scripts/export-abi.ts after changing the contract)", async () => {
    const artifact = await hre.artifacts.readArtifact("EvidenceAnchor");
    expect(readFileSync(ANCHOR_ABI_MODULE, "utf8")).to.equal(anchorAbiModule(artifact.abi));
  });
});
