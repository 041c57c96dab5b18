import { expect } from "chai";
import { readFileSync } from "node:fs";
import hre from "hardhat";

import { ABI_MODULE, abiModule } from "../../../scripts/export-abi";

describe("protocol/abi", () => {
  it("matches the compiled SwarmMarket (run scripts/export-abi.ts after changing the contract)", async () => {
    const artifact = await hre.artifacts.readArtifact("SwarmMarket");
    expect(readFileSync(ABI_MODULE, "utf8")).to.equal(abiModule(artifact.abi));
  });
});
