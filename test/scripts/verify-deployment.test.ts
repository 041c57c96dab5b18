import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import hre from "hardhat";
import { type Abi, type Hex, type PublicClient, createPublicClient, createWalletClient, getAddress, http } from "viem";

import { type HardhatNode, runHardhat, startHardhatNode } from "../../devnet/hardhatNode";
import { devAccount } from "../../devnet/stack";
import { type DeploymentBuilds, verifyDeployment } from "../../scripts/lib/verifyDeployment";
import { type ContractBuild, maskImmutables } from "../../scripts/lib/verifyDeploymentCode";
import {
  DeploymentCheckError,
  type ParsedDeployment,
  parseDeploymentRecord,
} from "../../scripts/lib/verifyDeploymentRecord";

const OWNER = "0x00000000000000000000000000000000000000a1";
const TOKEN = "0x00000000000000000000000000000000000000aa";
const SWARM_BIN = path.join(__dirname, "..", "..", "client", "bin", "swarm.js");

async function buildOf(name: string): Promise<ContractBuild> {
  const fqn = `contracts/${name}.sol:${name}`;
  const artifact = await hre.artifacts.readArtifact(fqn);
  const info = await hre.artifacts.getBuildInfo(fqn);
  const refs = info!.output.contracts[`contracts/${name}.sol`]![name]!.evm.deployedBytecode.immutableReferences!;
  return {
    name,
    abi: artifact.abi as Abi,
    deployedBytecode: artifact.deployedBytecode as Hex,
    immutableReferences: refs,
  };
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  try {
    await promise;
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(DeploymentCheckError);
    expect((err as DeploymentCheckError).code, String(err)).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}

/** Runs `swarm <args>` as a user would; returns its exit code and stdout. */
function swarm(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SWARM_BIN, ...args], { env: { ...process.env, ...env }, stdio: "pipe" });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.once("exit", (code) => resolve({ code, stdout }));
  });
}

describe("scripts/verify-deployment: the Base Sepolia procedure, rehearsed on a local node", function () {
  this.timeout(240_000);
  let node: HardhatNode;
  let dir: string;
  let env: Record<string, string>;
  let client: PublicClient;
  let builds: DeploymentBuilds;
  let deployment: ParsedDeployment;

  before(async () => {
    node = await startHardhatNode();
    dir = await mkdtemp(path.join(tmpdir(), "swarm-verify-deployment-"));
    env = { LOCALHOST_RPC_URL: node.url, SWARM_DEPLOYMENTS_DIR: dir, SWARM_OWNER: OWNER, SWARM_TOKENS: TOKEN };
    client = createPublicClient({ transport: http(node.url) }) as PublicClient;
    builds = { SwarmMarket: await buildOf("SwarmMarket"), EvidenceAnchor: await buildOf("EvidenceAnchor") };
  });

  after(async () => {
    await node?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("deploys, verifies with the documented command, and the CLI reads the market through --network", async () => {
    const deployed = await runHardhat(["run", "scripts/deploy.ts", "--network", "localhost"], env);
    expect(deployed.code, deployed.stderr).to.equal(0);
    const verified = await runHardhat(["run", "scripts/verify-deployment.ts", "--network", "localhost"], env);
    expect(verified.code, verified.stderr).to.equal(0);
    expect(verified.stdout).to.contain("every check passed on localhost (chain 31337)");
    expect(verified.stdout).to.contain("SwarmMarket: runtime code = local build");
    deployment = parseDeploymentRecord(await readFile(path.join(dir, "localhost.json"), "utf8"));

    const listed = await swarm(["--network", "localhost", "--rpc-url", node.url, "--json", "offer", "list"], {
      SWARM_DEPLOYMENTS_DIR: dir,
    });
    expect(listed.code).to.equal(0);
    expect(JSON.parse(listed.stdout)).to.not.have.property("error");
  });

  it("reports the code hash of each contract", async () => {
    const report = await verifyDeployment(client, deployment, builds);
    const code = await client.getCode({ address: deployment.market.address });
    expect(report.codeHashes.SwarmMarket).to.match(/^0x[0-9a-f]{64}$/);
    expect(maskImmutables(code!, builds.SwarmMarket.immutableReferences)).to.not.equal(code);
  });

  it("rejects a record read against another chain", async () => {
    await expectCode(verifyDeployment(client, { ...deployment, chainId: 84532n }, builds), "CHAIN_MISMATCH");
  });

  it("rejects a record whose market address points at other code", async () => {
    const anchor = deployment.anchor!;
    const market = { ...deployment.market, ...anchor, abiDigest: deployment.market.abiDigest };
    await expectCode(verifyDeployment(client, { ...deployment, market }, builds), "CODE_MISMATCH");
  });

  it("rejects a deployment transaction that did not create the contract", async () => {
    const market = { ...deployment.market, transactionHash: deployment.anchor!.transactionHash };
    await expectCode(verifyDeployment(client, { ...deployment, market }, builds), "DEPLOY_TX_MISMATCH");
  });

  it("rejects an ABI digest the local build does not have", async () => {
    const market = { ...deployment.market, abiDigest: `0x${"00".repeat(32)}` as Hex };
    await expectCode(verifyDeployment(client, { ...deployment, market }, builds), "ABI_MISMATCH");
  });

  it("rejects a record naming another owner, another token or other bounds", async () => {
    const m = deployment.market;
    const other = getAddress("0x00000000000000000000000000000000000000b2");
    await expectCode(
      verifyDeployment(client, { ...deployment, market: { ...m, owner: other } }, builds),
      "OWNER_MISMATCH",
    );
    await expectCode(
      verifyDeployment(client, { ...deployment, market: { ...m, tokens: [...m.tokens, other] } }, builds),
      "TOKENS_MISMATCH",
    );
    const termBounds = { ...m.termBounds, maxSteps: 5n };
    await expectCode(
      verifyDeployment(client, { ...deployment, market: { ...m, termBounds } }, builds),
      "BOUNDS_MISMATCH",
    );
  });

  it("rejects a paused market", async () => {
    const redeployed = await runHardhat(["run", "scripts/deploy.ts", "--network", "localhost"], {
      ...env,
      SWARM_OWNER: devAccount("deployer").address,
    });
    expect(redeployed.code, redeployed.stderr).to.equal(0);
    const owned = parseDeploymentRecord(await readFile(path.join(dir, "localhost.json"), "utf8"));
    const wallet = createWalletClient({ account: devAccount("deployer"), transport: http(node.url) });
    const hash = await wallet.writeContract({
      chain: null,
      address: owned.market.address,
      abi: builds.SwarmMarket.abi,
      functionName: "pause",
    });
    await client.waitForTransactionReceipt({ hash });
    await expectCode(verifyDeployment(client, owned, builds), "MARKET_PAUSED");
  });

  it("rejects a record that is not what the deploy writes", () => {
    expect(() => parseDeploymentRecord("{"))
      .to.throw(DeploymentCheckError)
      .with.property("code", "RECORD_INVALID");
    expect(() => parseDeploymentRecord(JSON.stringify({ network: "x", chainId: "1", contracts: {} })))
      .to.throw(DeploymentCheckError)
      .with.property("code", "RECORD_INVALID");
  });
});
