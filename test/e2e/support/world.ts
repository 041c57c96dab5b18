import { type KeyObject, generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import hre from "hardhat";
import {
  type Address,
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
import { mnemonicToAccount } from "viem/accounts";
import { createNonceManager, jsonRpc } from "viem/nonce";
import pino from "pino";

import { swarmMarketAbi } from "../../../client/src/protocol/abi/swarmMarket";
import { type StepPermit, marketDomain, stepPermitTypes } from "../../../client/src/protocol/eip712";
import { buildPolicyCapsule, expectedAudience } from "../../../client/src/protocol/policy";
import { type DevOidcIssuer, startDevOidcIssuer } from "../../../devnet/oidc";
import { type WiredGateway, wireGateway } from "../../../gateway/src/service/wire";
import { DEFAULT_TERM_BOUNDS } from "../../../scripts/lib/deployment";
import { createGatewayApp } from "../../../gateway/src/http/app";
import { startGatewayServer } from "../../../gateway/src/http/server";
import { type HardhatNode, startHardhatNode } from "../../support/hardhatNode";
import { type SwitchableProxy, startSwitchableProxy } from "../../support/switchableProxy";

/** Hardhat's well-known development mnemonic: its accounts are funded on every local node. */
const MNEMONIC = "test test test test test test test test test test test junk";
export const account = (i: number) => mnemonicToAccount(MNEMONIC, { addressIndex: i });

export const REPOSITORY = "octo-org/octo-repo";
export const REPOSITORY_ID = "632596897";
export const COMMIT = "30bace97d4fbcd657d31d2de06068ab14b491473";
export const JOB_WORKFLOW = `${REPOSITORY}/.github/workflows/step.yml`;
export const PRICE = parseEther("0.01");

/** A real local world: a Hardhat node, the market deployed, the dev OIDC issuer, an offer, and a wired gateway. */
export interface World {
  node: HardhatNode;
  issuer: DevOidcIssuer;
  publicClient: PublicClient;
  chainId: number;
  market: Address;
  offerId: bigint;
  policy: { bytes: Uint8Array; policyHash: Hex; base64url: string };
  gateway: WiredGateway;
  gatewayAddress: Address;
  receiptKey: { privateKey: KeyObject; publicKey: KeyObject };
  ledgerPath: string;
  dir: string;
  seller: ReturnType<typeof account>;
  buyer: ReturnType<typeof account>;
  /** The gateway served over HTTP on 127.0.0.1. */
  url: string;
  /** Sits between the gateway and the node: `setDown(true)` is a chain outage for the gateway only. */
  rpcProxy: SwitchableProxy;
  buy(steps: number): Promise<bigint>;
  signPermit(permit: StepPermit, signer?: ReturnType<typeof account>): Promise<Hex>;
  stop(): Promise<void>;
}

/** Builds the world; `stop()` tears it all down. */
export async function startWorld(options: { allowUnboundRuns?: boolean } = {}): Promise<World> {
  const node = await startHardhatNode();
  const dir = await mkdtemp(path.join(tmpdir(), "swarm-e2e-"));
  const issuer = await startDevOidcIssuer({});
  const chain = defineChain({
    id: 31337,
    name: "hardhat-node",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [node.url] } },
  });
  const publicClient = createPublicClient({ chain, transport: http(node.url) }) as PublicClient;
  const deployer = createWalletClient({ account: account(0), chain, transport: http(node.url) });
  const seller = account(1);
  const buyer = account(2);
  // A nonce manager of its own: viem's shared one would carry nonces over from another world's chain.
  const gatewayAccount = mnemonicToAccount(MNEMONIC, {
    addressIndex: 3,
    nonceManager: createNonceManager({ source: jsonRpc() }),
  });
  const arbiter = account(4);
  const verifier = account(5);

  const artifact = await hre.artifacts.readArtifact("SwarmMarket");
  const deployHash = await deployer.deployContract({
    abi: swarmMarketAbi,
    bytecode: artifact.bytecode as Hex,
    args: [deployer.account.address, DEFAULT_TERM_BOUNDS, []],
  });
  const deployed = await publicClient.waitForTransactionReceipt({ hash: deployHash });
  const market = getAddress(deployed.contractAddress!);
  const gatewayAddress = getAddress(gatewayAccount.address);

  const capsule = buildPolicyCapsule({
    identity: {
      issuer: issuer.issuer,
      audience: expectedAudience(31337n, market, gatewayAddress),
      repository: REPOSITORY,
      repositoryId: REPOSITORY_ID,
      jobWorkflowRef: JOB_WORKFLOW,
      refs: ["refs/heads/main"],
      eventNames: ["workflow_dispatch"],
      runnerEnvironments: ["github-hosted"],
      allowUnboundRuns: options.allowUnboundRuns ?? false,
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

  const sellerClient = createWalletClient({ account: seller, chain, transport: http(node.url) });
  const publishHash = await sellerClient.writeContract({
    address: market,
    abi: swarmMarketAbi,
    functionName: "publish",
    args: [
      {
        gateway: gatewayAddress,
        token: zeroAddress,
        pricePerStep: PRICE,
        maxSteps: 100,
        commit: `0x${COMMIT}`,
        policyHash: capsule.policyHash,
        stepTimeout: 3600,
        disputeWindow: 7200,
        arbiterTimeout: 7200,
        disputeBond: 0n,
        arbiter: arbiter.address,
        allowUnboundRuns: options.allowUnboundRuns ?? false,
        quorum: 1,
        verifiers: [verifier.address],
      },
    ],
  });
  await publicClient.waitForTransactionReceipt({ hash: publishHash });
  const offerId = 1n;

  const rpcProxy = await startSwitchableProxy(node.url);
  const gatewayChain = { ...chain, rpcUrls: { default: { http: [rpcProxy.url] } } };
  const gatewayClient = createPublicClient({
    chain: gatewayChain,
    transport: http(rpcProxy.url, { retryCount: 0 }),
  }) as PublicClient;
  const receiptKey = generateKeyPairSync("ed25519");
  const ledgerPath = path.join(dir, "receipts.ndjson");
  const gateway = await wireGateway({
    clock: () => new Date(),
    chain: gatewayChain,
    rpcUrl: rpcProxy.url,
    publicClient: gatewayClient,
    market,
    deployBlock: 0n,
    confirmations: 1,
    account: gatewayAccount,
    oidc: { issuer: issuer.issuer, jwksUrl: issuer.jwksUri, leewaySeconds: 60, cooldownSeconds: 1 },
    fetch,
    ledgerPath,
    receiptKey,
    netCapKey: generateKeyPairSync("ed25519").privateKey,
    secrets: [{ kv: 1, startBlock: 0n, secret: randomBytes(32) }],
    policies: [capsule.bytes],
  });

  const { app } = createGatewayApp(gateway.services, {
    logger: pino({ level: "silent" }),
    clock: () => new Date(),
    rateLimit: { ratePerSecond: 10_000, burst: 10_000 },
  });
  const server = await startGatewayServer(app, {});
  const buyerClient = createWalletClient({ account: buyer, chain, transport: http(node.url) });
  return {
    node,
    issuer,
    publicClient,
    chainId: 31337,
    market,
    offerId,
    policy: {
      bytes: capsule.bytes,
      policyHash: capsule.policyHash,
      base64url: Buffer.from(capsule.bytes).toString("base64url"),
    },
    gateway,
    gatewayAddress,
    receiptKey,
    ledgerPath,
    dir,
    seller,
    buyer,
    async buy(steps) {
      const hash = await buyerClient.writeContract({
        address: market,
        abi: swarmMarketAbi,
        functionName: "purchase",
        args: [offerId, steps, zeroAddress],
        value: PRICE * BigInt(steps),
      });
      await publicClient.waitForTransactionReceipt({ hash });
      return publicClient.readContract({ address: market, abi: swarmMarketAbi, functionName: "entitlementCount" });
    },
    signPermit(permit, signer = buyer) {
      return signer.signTypedData({
        domain: marketDomain(31337, market),
        types: stepPermitTypes,
        primaryType: "StepPermit",
        message: permit,
      });
    },
    url: server.url,
    rpcProxy,
    async stop() {
      await server.close();
      await gateway.close().catch(() => undefined);
      await rpcProxy.stop();
      await issuer.stop();
      await node.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
