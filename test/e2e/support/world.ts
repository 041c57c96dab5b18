import { type KeyObject, generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { type Address, type Hex, type PublicClient, createPublicClient, http } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { createNonceManager, jsonRpc } from "viem/nonce";

import type { StepPermit } from "../../../client/src/protocol/eip712";
import { createGatewayApp } from "../../../gateway/src/http/app";
import { startGatewayServer } from "../../../gateway/src/http/server";
import { type WiredGateway, wireGateway } from "../../../gateway/src/service/wire";
import type { HardhatNode } from "../../../devnet/hardhatNode";
import type { DevOidcIssuer } from "../../../devnet/oidc";
import { DEV_COMMIT, DEV_MNEMONIC, DEV_ROLES, devAccount, startDevStack } from "../../../devnet/stack";
import { type SwitchableProxy, startSwitchableProxy } from "../../support/switchableProxy";

export const COMMIT = DEV_COMMIT;

/** The development stack plus a gateway wired in-process and served over HTTP, behind a switchable RPC proxy. */
export interface World {
  node: HardhatNode;
  issuer: DevOidcIssuer;
  publicClient: PublicClient;
  market: Address;
  offerId: bigint;
  policy: { bytes: Uint8Array; policyHash: Hex; base64url: string };
  gateway: WiredGateway;
  gatewayAddress: Address;
  receiptKey: { privateKey: KeyObject; publicKey: KeyObject };
  ledgerPath: string;
  buyer: ReturnType<typeof devAccount>;
  /** The gateway served over HTTP on 127.0.0.1. */
  url: string;
  /** Sits between the gateway and the node: `setDown(true)` is a chain outage for the gateway only. */
  rpcProxy: SwitchableProxy;
  buy(steps: number): Promise<bigint>;
  signPermit(permit: StepPermit): Promise<Hex>;
  stop(): Promise<void>;
}

/** Builds the world; `stop()` tears it all down. */
export async function startWorld(
  options: { allowUnboundRuns?: boolean; subjectRateLimit?: { ratePerSecond: number; burst: number } } = {},
): Promise<World> {
  const stack = await startDevStack(
    options.allowUnboundRuns === undefined ? {} : { allowUnboundRuns: options.allowUnboundRuns },
  );
  const dir = await mkdtemp(path.join(tmpdir(), "swarm-e2e-"));
  const rpcProxy = await startSwitchableProxy(stack.node.url);
  const chain = { ...stack.chain, rpcUrls: { default: { http: [rpcProxy.url] } } };
  const publicClient = createPublicClient({ chain, transport: http(rpcProxy.url, { retryCount: 0 }) }) as PublicClient;
  const receiptKey = generateKeyPairSync("ed25519");
  const ledgerPath = path.join(dir, "receipts.ndjson");
  const gateway = await wireGateway({
    clock: () => new Date(),
    chain,
    rpcUrl: rpcProxy.url,
    publicClient,
    market: stack.market,
    deployBlock: stack.deployBlock,
    confirmations: 1,
    // A nonce manager of its own: viem's shared one would carry nonces over from another world's chain.
    account: mnemonicToAccount(DEV_MNEMONIC, {
      addressIndex: DEV_ROLES.gateway,
      nonceManager: createNonceManager({ source: jsonRpc() }),
    }),
    oidc: { issuer: stack.issuer.issuer, jwksUrl: stack.issuer.jwksUri, leewaySeconds: 60, cooldownSeconds: 1 },
    fetch,
    ledgerPath,
    receiptKey,
    netCapKey: generateKeyPairSync("ed25519").privateKey,
    secrets: [{ kv: 1, startBlock: 0n, secret: randomBytes(32) }],
    policies: [stack.policy.bytes],
    ...(options.subjectRateLimit ? { subjectRateLimit: options.subjectRateLimit } : {}),
  });
  const { app } = createGatewayApp(gateway.services, {
    logger: pino({ level: "silent" }),
    clock: () => new Date(),
    rateLimit: { ratePerSecond: 10_000, burst: 10_000 },
  });
  const server = await startGatewayServer(app, {});
  return {
    node: stack.node,
    issuer: stack.issuer,
    publicClient: stack.publicClient,
    market: stack.market,
    offerId: stack.offerId,
    policy: stack.policy,
    gateway,
    gatewayAddress: stack.gateway,
    receiptKey,
    ledgerPath,
    buyer: devAccount("buyer"),
    url: server.url,
    rpcProxy,
    buy: (steps) => stack.buy(steps),
    signPermit: (permit) => stack.signPermit(permit),
    async stop() {
      await server.close();
      await gateway.close().catch(() => undefined);
      await rpcProxy.stop();
      await stack.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
