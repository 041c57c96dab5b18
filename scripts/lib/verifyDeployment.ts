import type { Hex, PublicClient } from "viem";

import {
  type ContractBuild,
  verifyAbiDigest,
  verifyChainId,
  verifyDeploymentTx,
  verifyRuntimeCode,
} from "./verifyDeploymentCode";
import { type ParsedDeployment, checkFailed } from "./verifyDeploymentRecord";
import { verifyMarketState } from "./verifyDeploymentState";

/** The local builds a deployment is checked against. */
export interface DeploymentBuilds {
  readonly SwarmMarket: ContractBuild;
  readonly EvidenceAnchor: ContractBuild;
}

/** What passed, for the operator: the checks in order and each contract's on-chain code hash. */
export interface DeploymentReport {
  readonly network: string;
  readonly chainId: bigint;
  readonly checks: readonly string[];
  readonly codeHashes: Readonly<Record<string, Hex>>;
}

/**
 * Verifies a deployment record against the chain and the local build, as a checklist: the RPC serves the
 * record's chain → for each contract: its deployment transaction created it at the recorded block, its runtime
 * code is the local build's (immutables masked), its ABI digest is the local build's → the market's owner,
 * pending owner, pause state, token allowlist, term bounds and EIP-712 domain are the record's. Throws a
 * DeploymentCheckError with a stable code at the first failure; needs no key.
 */
export async function verifyDeployment(
  client: PublicClient,
  deployment: ParsedDeployment,
  builds: DeploymentBuilds,
): Promise<DeploymentReport> {
  const checks: string[] = [];
  const codeHashes: Record<string, Hex> = {};
  await verifyChainId(client, deployment.chainId);
  checks.push(`chain id ${deployment.chainId}`);
  const anchor = deployment.anchor;
  if (anchor === undefined) checkFailed("RECORD_INVALID", "expected an EvidenceAnchor entry in the record");
  const contracts = [
    ["SwarmMarket", deployment.market, builds.SwarmMarket],
    ["EvidenceAnchor", anchor, builds.EvidenceAnchor],
  ] as const;
  for (const [name, contract, build] of contracts) {
    const gas = await verifyDeploymentTx(client, contract, name);
    checks.push(`${name}: created by ${contract.transactionHash} in block ${contract.deployBlock} (gas ${gas})`);
    const { codeHash } = await verifyRuntimeCode(client, contract, build);
    codeHashes[name] = codeHash;
    checks.push(`${name}: runtime code = local build (immutables masked), keccak256 ${codeHash}`);
    verifyAbiDigest(contract, build);
    checks.push(`${name}: ABI digest ${contract.abiDigest}`);
  }
  await verifyMarketState(client, deployment, builds.SwarmMarket.abi);
  checks.push(`SwarmMarket: owner ${deployment.market.owner}, no pending owner, not paused`);
  checks.push(
    `SwarmMarket: tokens [${deployment.market.tokens.join(", ")}], term bounds and EIP-712 domain as recorded`,
  );
  return { network: deployment.network, chainId: deployment.chainId, checks, codeHashes };
}
