/**
 * Verifies a deployment recorded by `npm run deploy` against the chain and this tree's build, with no key:
 *
 *   BASE_SEPOLIA_RPC_URL=… npx hardhat run scripts/verify-deployment.ts --network baseSepolia
 *   npx hardhat run scripts/verify-deployment.ts --network localhost
 *
 * Reads <SWARM_DEPLOYMENTS_DIR or deployments>/<network>.json; checks chain id, deployment transactions, runtime
 * code (immutables masked) and ABI digests of SwarmMarket and EvidenceAnchor, then the market's owner, pause
 * state, token allowlist, term bounds and EIP-712 domain. Exit 0 when every check passes, 1 otherwise.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import hre from "hardhat";
import type { Abi, Hex } from "viem";

import { type DeploymentBuilds, verifyDeployment } from "./lib/verifyDeployment";
import type { ContractBuild } from "./lib/verifyDeploymentCode";
import { DeploymentCheckError, parseDeploymentRecord } from "./lib/verifyDeploymentRecord";

/** The local build of `contracts/<name>.sol:<name>`, with its immutable references from the build info. */
async function buildOf(name: string): Promise<ContractBuild> {
  const fqn = `contracts/${name}.sol:${name}`;
  const artifact = await hre.artifacts.readArtifact(fqn);
  const info = await hre.artifacts.getBuildInfo(fqn);
  const refs = info?.output.contracts[`contracts/${name}.sol`]?.[name]?.evm.deployedBytecode.immutableReferences;
  if (refs === undefined) throw new Error(`no build info for ${fqn}: run npm run build`);
  return {
    name,
    abi: artifact.abi as Abi,
    deployedBytecode: artifact.deployedBytecode as Hex,
    immutableReferences: refs,
  };
}

async function main(): Promise<void> {
  const network = hre.network.name;
  const file = path.join(process.env.SWARM_DEPLOYMENTS_DIR ?? "deployments", `${network}.json`);
  const deployment = parseDeploymentRecord(await readFile(file, "utf8"));
  if (deployment.network !== network) {
    throw new DeploymentCheckError("RECORD_INVALID", `${file} is for network ${deployment.network}, not ${network}`);
  }
  const builds: DeploymentBuilds = {
    SwarmMarket: await buildOf("SwarmMarket"),
    EvidenceAnchor: await buildOf("EvidenceAnchor"),
  };
  const report = await verifyDeployment(await hre.viem.getPublicClient(), deployment, builds);
  console.log(`${file}: every check passed on ${network} (chain ${report.chainId})`);
  for (const line of report.checks) console.log(`  ok  ${line}`);
}

main().catch((err: unknown) => {
  if (err instanceof DeploymentCheckError) console.error(`verify-deployment: ${err.code}: ${err.message}`);
  else console.error(`verify-deployment: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
