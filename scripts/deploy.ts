/**
 * Deploys SwarmMarket and EvidenceAnchor and writes deployments/<network>.json.
 *
 *   npm run deploy -- --network localhost
 *   BASE_SEPOLIA_RPC_URL=… DEPLOYER_PRIVATE_KEY=… SWARM_OWNER=0x… npm run deploy -- --network baseSepolia
 *
 * Environment: SWARM_OWNER (the pausing owner; required outside hardhat/localhost), SWARM_TOKENS
 * (comma-separated ERC-20 allowlist, fixed for good), SWARM_TERM_BOUNDS (JSON, optional),
 * SWARM_DEPLOYMENTS_DIR (default: deployments).
 */
import hre from "hardhat";

import {
  DeployConfigError,
  deployEvidenceAnchor,
  deployOptionsFromEnv,
  deploySwarmMarket,
  requireNetworkEnv,
  writeDeployment,
} from "./lib/deployment";

async function main() {
  const network = hre.network.name;
  requireNetworkEnv(process.env, network);
  const [deployer] = await hre.viem.getWalletClients();
  if (deployer?.account === undefined) {
    throw new DeployConfigError(
      "DEPLOYER_MISSING",
      `no deployer account on ${network}: set DEPLOYER_PRIVATE_KEY (and the network's RPC URL)`,
    );
  }
  const options = deployOptionsFromEnv(process.env, network, deployer.account.address);
  const record = await deploySwarmMarket(hre, options);
  const anchor = await deployEvidenceAnchor(hre);
  record.contracts.EvidenceAnchor = anchor;
  const file = await writeDeployment(process.env.SWARM_DEPLOYMENTS_DIR ?? "deployments", record);
  const m = record.contracts.SwarmMarket;
  console.log(`SwarmMarket ${m.address} on ${network} (chain ${record.chainId}), block ${m.deployBlock}`);
  console.log(`owner ${m.owner}; tokens [${m.tokens.join(", ")}]`);
  console.log(`EvidenceAnchor ${anchor.address}, block ${anchor.deployBlock}; written to ${file}`);
}

main().catch((err: unknown) => {
  if (err instanceof DeployConfigError) {
    console.error(`deploy: ${err.code}: ${err.message}`);
  } else {
    console.error(err);
  }
  process.exitCode = 1;
});
