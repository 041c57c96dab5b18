/**
 * The development stack: a Hardhat node on 127.0.0.1, SwarmMarket and EvidenceAnchor deployed, the development OIDC issuer, a
 * policy capsule and a published offer. Used by the demo, the benchmarks and the end-to-end tests; explicit
 * development configuration, never a fallback of any production path.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  http,
  parseEther,
  zeroAddress,
} from "viem";
import { type HDAccount, mnemonicToAccount } from "viem/accounts";

import { evidenceAnchorAbi } from "../client/src/protocol/abi/evidenceAnchor";
import { swarmMarketAbi } from "../client/src/protocol/abi/swarmMarket";
import { type StepPermit, marketDomain, stepPermitTypes } from "../client/src/protocol/eip712";
import { buildPolicyCapsule, expectedAudience } from "../client/src/protocol/policy";
import { DEFAULT_TERM_BOUNDS } from "../scripts/lib/deployment";
import { type HardhatNode, runHardhat, startHardhatNode } from "./hardhatNode";
import { type DevOidcIssuer, startDevOidcIssuer } from "./oidc";

/** Hardhat's well-known development mnemonic: its accounts are funded on every local node. Never use it elsewhere. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";
/** The development accounts by role (indexes into the mnemonic). */
export const DEV_ROLES = { deployer: 0, seller: 1, buyer: 2, gateway: 3, arbiter: 4, verifier: 5, keeper: 6 } as const;
export const DEV_REPOSITORY = "octo-org/octo-repo";
export const DEV_REPOSITORY_ID = "632596897";
export const DEV_COMMIT = "30bace97d4fbcd657d31d2de06068ab14b491473";
export const DEV_JOB_WORKFLOW = `${DEV_REPOSITORY}/.github/workflows/step.yml`;
export const DEV_PRICE = parseEther("0.01");
export const DEV_CHAIN_ID = 31337;

/** The development account of a role. */
export function devAccount(role: keyof typeof DEV_ROLES): HDAccount {
  return mnemonicToAccount(DEV_MNEMONIC, { addressIndex: DEV_ROLES[role] });
}

/** A running development stack. */
export interface DevStack {
  node: HardhatNode;
  issuer: DevOidcIssuer;
  chain: Chain;
  publicClient: PublicClient;
  market: Address;
  deployBlock: bigint;
  /** EvidenceAnchor, deployed after the market (whose address stays the deployer's first). */
  anchor: Address;
  anchorDeployBlock: bigint;
  offerId: bigint;
  gateway: Address;
  policy: { bytes: Uint8Array; policyHash: Hex; base64url: string };
  /** Buys `steps` steps of the offer as the development buyer; returns the entitlement id. */
  buy(steps: number): Promise<bigint>;
  /** Signs a permit as the buyer (or `signer`). */
  signPermit(permit: StepPermit, signer?: HDAccount): Promise<Hex>;
  stop(): Promise<void>;
}

/** Options of the development stack. */
export interface DevStackOptions {
  allowUnboundRuns?: boolean;
  stepTimeout?: number;
  disputeWindow?: number;
  arbiterTimeout?: number;
}

/** Starts the stack; `stop()` tears it down. */
export async function startDevStack(options: DevStackOptions = {}): Promise<DevStack> {
  const node = await startHardhatNode();
  const issuer = await startDevOidcIssuer({}).catch(async (err: unknown) => {
    await node.stop();
    throw err;
  });
  try {
    const chain = defineChain({
      id: DEV_CHAIN_ID,
      name: "swarm-devnet",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [node.url] } },
    });
    const publicClient = createPublicClient({ chain, transport: http(node.url) }) as PublicClient;
    const wallet = (role: keyof typeof DEV_ROLES) =>
      createWalletClient({ account: devAccount(role), chain, transport: http(node.url) });
    const gateway = getAddress(devAccount("gateway").address);

    const artifactPath = path.join(__dirname, "..", "artifacts/contracts/SwarmMarket.sol/SwarmMarket.json");
    if (!existsSync(artifactPath)) {
      const compiled = await runHardhat(["compile", "--quiet"], {});
      if (compiled.code !== 0) throw new Error(`hardhat compile failed:\n${compiled.stdout}${compiled.stderr}`);
    }
    const artifact = JSON.parse(readFileSync(artifactPath, "utf8")) as { bytecode: Hex };
    const deployed = await publicClient.waitForTransactionReceipt({
      hash: await wallet("deployer").deployContract({
        abi: swarmMarketAbi,
        bytecode: artifact.bytecode,
        args: [devAccount("deployer").address, DEFAULT_TERM_BOUNDS, []],
      }),
    });
    const market = getAddress(deployed.contractAddress!);
    const allowUnboundRuns = options.allowUnboundRuns ?? false;
    const capsule = buildPolicyCapsule({
      identity: {
        issuer: issuer.issuer,
        audience: expectedAudience(BigInt(DEV_CHAIN_ID), market, gateway),
        repository: DEV_REPOSITORY,
        repositoryId: DEV_REPOSITORY_ID,
        jobWorkflowRef: DEV_JOB_WORKFLOW,
        refs: ["refs/heads/main"],
        eventNames: ["workflow_dispatch"],
        runnerEnvironments: ["github-hosted"],
        allowUnboundRuns,
      },
      egress: {
        rules: [
          {
            effect: "allow",
            scheme: "https",
            host: "api.example.com",
            port: "443",
            methods: ["GET"],
            pathPrefix: "/v1/",
          },
        ],
      },
      limits: { maxSeconds: "600", maxStateBytes: "1048576" },
    });
    await publicClient.waitForTransactionReceipt({
      hash: await wallet("seller").writeContract({
        address: market,
        abi: swarmMarketAbi,
        functionName: "publish",
        args: [
          {
            gateway,
            token: zeroAddress,
            pricePerStep: DEV_PRICE,
            maxSteps: 1000,
            commit: `0x${DEV_COMMIT}`,
            policyHash: capsule.policyHash,
            stepTimeout: options.stepTimeout ?? 3600,
            disputeWindow: options.disputeWindow ?? 7200,
            arbiterTimeout: options.arbiterTimeout ?? 7200,
            disputeBond: 0n,
            arbiter: devAccount("arbiter").address,
            allowUnboundRuns,
            quorum: 1,
            verifiers: [devAccount("verifier").address],
          },
        ],
      }),
    });
    const anchorArtifact = JSON.parse(
      readFileSync(path.join(__dirname, "..", "artifacts/contracts/EvidenceAnchor.sol/EvidenceAnchor.json"), "utf8"),
    ) as { bytecode: Hex };
    const anchorDeployed = await publicClient.waitForTransactionReceipt({
      hash: await wallet("deployer").deployContract({
        abi: evidenceAnchorAbi,
        bytecode: anchorArtifact.bytecode,
        args: [],
      }),
    });
    const buyer = wallet("buyer");
    return {
      node,
      issuer,
      chain,
      publicClient,
      market,
      deployBlock: deployed.blockNumber,
      anchor: getAddress(anchorDeployed.contractAddress!),
      anchorDeployBlock: anchorDeployed.blockNumber,
      offerId: 1n,
      gateway,
      policy: {
        bytes: capsule.bytes,
        policyHash: capsule.policyHash,
        base64url: Buffer.from(capsule.bytes).toString("base64url"),
      },
      async buy(steps) {
        const hash = await buyer.writeContract({
          address: market,
          abi: swarmMarketAbi,
          functionName: "purchase",
          args: [1n, steps, zeroAddress],
          value: DEV_PRICE * BigInt(steps),
        });
        await publicClient.waitForTransactionReceipt({ hash });
        return publicClient.readContract({ address: market, abi: swarmMarketAbi, functionName: "entitlementCount" });
      },
      signPermit(permit, signer = devAccount("buyer")) {
        return signer.signTypedData({
          domain: marketDomain(DEV_CHAIN_ID, market),
          types: stepPermitTypes,
          primaryType: "StepPermit",
          message: permit,
        });
      },
      async stop() {
        await issuer.stop();
        await node.stop();
      },
    };
  } catch (err) {
    await issuer.stop();
    await node.stop();
    throw err;
  }
}
