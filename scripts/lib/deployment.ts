import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { type Abi, type Address, type Hash, getAddress, isAddress } from "viem";
import { z } from "zod";

import { canonicalJson, sha256Hex } from "../../client/src/protocol/jcs";

/** The deploy-time ranges publish accepts; defaults are the design brief's. */
export interface TermBounds {
  minStepTimeout: number;
  maxStepTimeout: number;
  minDisputeWindow: number;
  maxDisputeWindow: number;
  minArbiterTimeout: number;
  maxArbiterTimeout: number;
  maxSteps: number;
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** stepTimeout 10 min–30 days; dispute window and arbiter timeout 1 hour–30 days; maxSteps below 2^24. */
export const DEFAULT_TERM_BOUNDS: TermBounds = {
  minStepTimeout: 10 * MINUTE,
  maxStepTimeout: 30 * DAY,
  minDisputeWindow: HOUR,
  maxDisputeWindow: 30 * DAY,
  minArbiterTimeout: HOUR,
  maxArbiterTimeout: 30 * DAY,
  maxSteps: 2 ** 24 - 1,
};

const uint32 = z
  .number()
  .int()
  .min(1)
  .max(2 ** 32 - 1);
const termBoundsSchema = z
  .object({
    minStepTimeout: uint32,
    maxStepTimeout: uint32,
    minDisputeWindow: uint32,
    maxDisputeWindow: uint32,
    minArbiterTimeout: uint32,
    maxArbiterTimeout: uint32,
    maxSteps: z
      .number()
      .int()
      .min(1)
      .max(2 ** 24 - 1),
  })
  .strict()
  .refine((b) => b.minStepTimeout <= b.maxStepTimeout, "minStepTimeout must not exceed maxStepTimeout")
  .refine((b) => b.minDisputeWindow <= b.maxDisputeWindow, "minDisputeWindow must not exceed maxDisputeWindow")
  .refine((b) => b.minArbiterTimeout <= b.maxArbiterTimeout, "minArbiterTimeout must not exceed maxArbiterTimeout");

/** What a deployment is made from. */
export interface DeployOptions {
  owner: Address;
  tokens: Address[];
  bounds: TermBounds;
}

/**
 * What `deployments/<network>.json` records, in the project's JSON encoding: integers as decimal strings,
 * addresses and hashes as 0x-prefixed lowercase hex.
 */
export interface DeploymentRecord {
  network: string;
  chainId: string;
  contracts: {
    SwarmMarket: {
      address: Address;
      deployBlock: string;
      transactionHash: Hash;
      abiDigest: `0x${string}`;
      owner: Address;
      tokens: Address[];
      termBounds: Record<keyof TermBounds, string>;
    };
    /** The transparency-root anchor (absent in records written before it existed). */
    EvidenceAnchor?: AnchorDeployment;
  };
}

/** Where EvidenceAnchor was deployed: it has no constructor arguments, no owner and no configuration. */
export interface AnchorDeployment {
  address: Address;
  deployBlock: string;
  transactionHash: Hash;
  abiDigest: `0x${string}`;
}

/** Thrown for a deploy configuration that must not be used. */
export class DeployConfigError extends Error {
  override readonly name = "DeployConfigError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Networks where the deployer may own the market by default: nothing of value is at stake there. */
const LOCAL_NETWORKS = new Set(["hardhat", "localhost"]);

/** The environment variables a remote network needs, checked before anything touches the network. */
const REMOTE_NETWORK_ENV: Record<string, string[]> = {
  baseSepolia: ["BASE_SEPOLIA_RPC_URL", "DEPLOYER_PRIVATE_KEY"],
};

/** Fails closed when a remote network's endpoint or key is not configured. */
export function requireNetworkEnv(env: Record<string, string | undefined>, network: string): void {
  const missing = (REMOTE_NETWORK_ENV[network] ?? []).filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new DeployConfigError("NETWORK_ENV_MISSING", `${network} needs ${missing.join(" and ")} in the environment`);
  }
}

/** Reads and validates the deploy configuration from an environment, once. */
export function deployOptionsFromEnv(
  env: Record<string, string | undefined>,
  network: string,
  deployer: Address,
): DeployOptions {
  const owner = env.SWARM_OWNER;
  if (owner === undefined && !LOCAL_NETWORKS.has(network)) {
    throw new DeployConfigError(
      "OWNER_REQUIRED",
      `SWARM_OWNER must name the pausing owner (a multisig or timelock) on ${network}`,
    );
  }
  if (owner !== undefined && !isAddress(owner)) {
    throw new DeployConfigError("OWNER_INVALID", `expected SWARM_OWNER to be an address, got ${owner}`);
  }
  const tokens = (env.SWARM_TOKENS ?? "")
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  for (const t of tokens) {
    if (!isAddress(t))
      throw new DeployConfigError("TOKEN_INVALID", `expected SWARM_TOKENS to list addresses, got ${t}`);
  }
  let bounds = DEFAULT_TERM_BOUNDS;
  if (env.SWARM_TERM_BOUNDS !== undefined) {
    let raw: unknown;
    try {
      raw = JSON.parse(env.SWARM_TERM_BOUNDS);
    } catch (cause) {
      throw new DeployConfigError("BOUNDS_INVALID", `SWARM_TERM_BOUNDS is not JSON: ${String(cause)}`);
    }
    const parsed = termBoundsSchema.safeParse(raw);
    if (!parsed.success) {
      throw new DeployConfigError("BOUNDS_INVALID", `SWARM_TERM_BOUNDS: ${z.prettifyError(parsed.error)}`);
    }
    bounds = parsed.data;
  }
  return {
    owner: getAddress(owner ?? deployer),
    tokens: tokens.map((t) => getAddress(t)),
    bounds,
  };
}

/** SHA-256 over the JCS bytes of an ABI: clients pin it to detect a contract they were not built for. */
export function abiDigest(abi: Abi): `0x${string}` {
  return sha256Hex(canonicalJson(abi));
}

/** Deploys SwarmMarket and waits for the receipt. */
export async function deploySwarmMarket(
  hre: HardhatRuntimeEnvironment,
  options: DeployOptions,
): Promise<DeploymentRecord> {
  const publicClient = await hre.viem.getPublicClient();
  const { contract, deploymentTransaction } = await hre.viem.sendDeploymentTransaction("SwarmMarket", [
    options.owner,
    options.bounds,
    options.tokens,
  ]);
  const receipt = await publicClient.waitForTransactionReceipt({ hash: deploymentTransaction.hash });
  if (receipt.status !== "success") {
    throw new Error(`deployment transaction ${receipt.transactionHash} reverted`);
  }
  const artifact = await hre.artifacts.readArtifact("SwarmMarket");
  const bounds = Object.fromEntries(Object.entries(options.bounds).map(([k, v]) => [k, String(v)]));
  return {
    network: hre.network.name,
    chainId: String(await publicClient.getChainId()),
    contracts: {
      SwarmMarket: {
        address: lower(contract.address),
        deployBlock: receipt.blockNumber.toString(),
        transactionHash: receipt.transactionHash,
        abiDigest: abiDigest(artifact.abi as Abi),
        owner: lower(options.owner),
        tokens: options.tokens.map(lower),
        termBounds: bounds as Record<keyof TermBounds, string>,
      },
    },
  };
}

/** Deploys EvidenceAnchor and waits for the receipt. */
export async function deployEvidenceAnchor(hre: HardhatRuntimeEnvironment): Promise<AnchorDeployment> {
  const publicClient = await hre.viem.getPublicClient();
  const { contract, deploymentTransaction } = await hre.viem.sendDeploymentTransaction("EvidenceAnchor", []);
  const receipt = await publicClient.waitForTransactionReceipt({ hash: deploymentTransaction.hash });
  if (receipt.status !== "success") {
    throw new Error(`deployment transaction ${receipt.transactionHash} reverted`);
  }
  const artifact = await hre.artifacts.readArtifact("EvidenceAnchor");
  return {
    address: lower(contract.address),
    deployBlock: receipt.blockNumber.toString(),
    transactionHash: receipt.transactionHash,
    abiDigest: abiDigest(artifact.abi as Abi),
  };
}

function lower(address: Address): Address {
  return address.toLowerCase() as Address;
}

/** Writes `<dir>/<network>.json` and returns its path. */
export async function writeDeployment(dir: string, record: DeploymentRecord): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${record.network}.json`);
  await writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}
