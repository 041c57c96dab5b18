import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Abi, createPublicClient, getAddress, getContract, http, zeroAddress } from "viem";
import hre from "hardhat";

import {
  DEFAULT_TERM_BOUNDS,
  DeployConfigError,
  type DeploymentRecord,
  abiDigest,
  deployOptionsFromEnv,
} from "../../scripts/lib/deployment";
import { type HardhatNode, runHardhat, startHardhatNode } from "../../devnet/hardhatNode";

const DEPLOYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const TOKEN = "0x00000000000000000000000000000000000000aa";

function configError(fn: () => unknown): DeployConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DeployConfigError) return e;
    throw e;
  }
  throw new Error("expected a DeployConfigError");
}

describe("scripts/deploy", function () {
  this.timeout(180_000);

  describe("deployOptionsFromEnv", () => {
    it("defaults the owner to the deployer on local networks only", () => {
      expect(deployOptionsFromEnv({}, "localhost", DEPLOYER).owner).to.equal(getAddress(DEPLOYER));
      expect(configError(() => deployOptionsFromEnv({}, "baseSepolia", DEPLOYER)).code).to.equal("OWNER_REQUIRED");
    });

    it("rejects a malformed owner or token instead of deploying with it", () => {
      expect(configError(() => deployOptionsFromEnv({ SWARM_OWNER: "0x1234" }, "localhost", DEPLOYER)).code).to.equal(
        "OWNER_INVALID",
      );
      expect(
        configError(() => deployOptionsFromEnv({ SWARM_TOKENS: `${TOKEN},nope` }, "localhost", DEPLOYER)).code,
      ).to.equal("TOKEN_INVALID");
    });

    it("rejects bounds that are not JSON, have unknown keys or are inverted", () => {
      const bad = [
        "{",
        JSON.stringify({ ...DEFAULT_TERM_BOUNDS, extra: 1 }),
        JSON.stringify({ ...DEFAULT_TERM_BOUNDS, minStepTimeout: 100, maxStepTimeout: 50 }),
        JSON.stringify({ ...DEFAULT_TERM_BOUNDS, maxSteps: 2 ** 24 }),
      ];
      for (const b of bad) {
        expect(configError(() => deployOptionsFromEnv({ SWARM_TERM_BOUNDS: b }, "localhost", DEPLOYER)).code).to.equal(
          "BOUNDS_INVALID",
        );
      }
    });

    it("uses the design brief's bounds by default", () => {
      expect(deployOptionsFromEnv({}, "hardhat", DEPLOYER).bounds).to.deep.equal({
        minStepTimeout: 600,
        maxStepTimeout: 30 * 86400,
        minDisputeWindow: 3600,
        maxDisputeWindow: 30 * 86400,
        minArbiterTimeout: 3600,
        maxArbiterTimeout: 30 * 86400,
        maxSteps: 2 ** 24 - 1,
      });
    });
  });

  describe("against a local Hardhat node", () => {
    let node: HardhatNode;
    let dir: string;

    before(async () => {
      node = await startHardhatNode();
      dir = await mkdtemp(path.join(tmpdir(), "swarm-deploy-"));
    });

    after(async () => {
      await node?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it("deploys SwarmMarket and records chain id, address, deploy block and ABI digest", async () => {
      const run = await runHardhat(["run", "scripts/deploy.ts", "--network", "localhost"], {
        LOCALHOST_RPC_URL: node.url,
        SWARM_DEPLOYMENTS_DIR: dir,
        SWARM_TOKENS: TOKEN,
      });
      expect(run.code, run.stderr).to.equal(0);
      const record = JSON.parse(await readFile(path.join(dir, "localhost.json"), "utf8")) as DeploymentRecord;
      const m = record.contracts.SwarmMarket;
      expect(record.chainId).to.equal("31337");
      expect(m.address).to.match(/^0x[0-9a-f]{40}$/);
      expect(m.owner).to.equal(DEPLOYER.toLowerCase());
      expect(m.tokens).to.deep.equal([TOKEN]);
      const artifact = await hre.artifacts.readArtifact("SwarmMarket");
      expect(m.abiDigest).to.equal(abiDigest(artifact.abi));

      const client = createPublicClient({ transport: http(node.url) });
      const receipt = await client.getTransactionReceipt({ hash: m.transactionHash });
      expect(receipt.blockNumber.toString()).to.equal(m.deployBlock);
      expect(receipt.contractAddress).to.equal(m.address);
      const market = getContract({ address: m.address, abi: artifact.abi as Abi, client });
      expect(await market.read.owner!()).to.equal(getAddress(DEPLOYER));
      expect(await market.read.isAllowedToken!([TOKEN])).to.equal(true);
      expect(await market.read.isAllowedToken!([zeroAddress])).to.equal(true);
      expect(await market.read.isAllowedToken!(["0x00000000000000000000000000000000000000bb"])).to.equal(false);
    });

    it("deploys EvidenceAnchor beside the market and records its address, block and ABI digest", async () => {
      const record = JSON.parse(await readFile(path.join(dir, "localhost.json"), "utf8")) as DeploymentRecord;
      const a = record.contracts.EvidenceAnchor;
      expect(a, "EvidenceAnchor missing from the deployment record").to.not.equal(undefined);
      expect(a!.address).to.match(/^0x[0-9a-f]{40}$/);
      expect(a!.address).to.not.equal(record.contracts.SwarmMarket.address);
      const artifact = await hre.artifacts.readArtifact("EvidenceAnchor");
      expect(a!.abiDigest).to.equal(abiDigest(artifact.abi));

      const client = createPublicClient({ transport: http(node.url) });
      const receipt = await client.getTransactionReceipt({ hash: a!.transactionHash });
      expect(receipt.blockNumber.toString()).to.equal(a!.deployBlock);
      expect(receipt.contractAddress).to.equal(a!.address);
      const anchor = getContract({ address: a!.address, abi: artifact.abi as Abi, client });
      expect(await anchor.read.head!([DEPLOYER])).to.deep.equal([0n, `0x${"0".repeat(64)}`, 0n]);
    });

    it("refuses baseSepolia without an RPC URL and key, naming what is missing", async () => {
      const run = await runHardhat(["run", "scripts/deploy.ts", "--network", "baseSepolia"], {
        SWARM_DEPLOYMENTS_DIR: dir,
        BASE_SEPOLIA_RPC_URL: "",
        DEPLOYER_PRIVATE_KEY: "",
      });
      expect(run.code).to.not.equal(0);
      expect(run.stderr).to.contain("NETWORK_ENV_MISSING");
      expect(run.stderr).to.contain("BASE_SEPOLIA_RPC_URL and DEPLOYER_PRIVATE_KEY");
    });
  });
});
