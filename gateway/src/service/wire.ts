import type { KeyObject } from "node:crypto";
import {
  type Address,
  type Chain,
  type LocalAccount,
  type PublicClient,
  createPublicClient,
  createWalletClient,
  getAddress,
  http,
} from "viem";

import type { Clock } from "../../../client/src/protocol/clock";
import type { MlDsaKeyPair } from "../../../client/src/protocol/hybrid";
import type { HybridReceiptSigner } from "../receipts/envelope";
import { marketDomain } from "../../../client/src/protocol/eip712";
import { expectedAudience } from "../../../client/src/protocol/policy";
import { netCapSigningKey } from "../caps/netcap";
import { type MasterSecret, validateSecrets } from "../caps/secrets";
import { createMarketReader } from "../chain/marketReader";
import { createPermitConsumer } from "../chain/permitConsumer";
import { TokenBucketLimiter } from "../http/rateLimiter";
import type { GatewayServices } from "../http/services";
import { type JtiStore, MemoryJtiStore, createJwksSource } from "../oidc";
import { type ReceiptLedger, RefusalLimiter, openLedger, receiptIssuer } from "../receipts";
import type { GatewayContext } from "./context";
import { type AnchorLogEvent, type AnchorSettings, type RunningAnchoring, startAnchoring } from "../anchor";
import { createServices } from "./createServices";
import { PolicyStore } from "./policies";
import { SessionStore } from "./sessionStore";
import { describeGateway } from "./wellKnown";
import { TransparencyLog, checkpointOrigin } from "../transparency";

/** Everything a gateway process is made of, already loaded and validated by the caller (config, tests). */
export interface GatewayMaterials {
  clock: Clock;
  chain: Chain;
  rpcUrl: string;
  publicClient: PublicClient;
  market: Address;
  deployBlock: bigint;
  confirmations: number;
  /** The gateway's Ethereum account: sends consume transactions and signs GatewayKeys. Use a nonce manager. */
  account: LocalAccount;
  oidc: { issuer: string; jwksUrl: string; leewaySeconds: number; cooldownSeconds?: number };
  fetch: typeof fetch;
  ledgerPath: string;
  receiptKey: { privateKey: KeyObject; publicKey: KeyObject };
  /** An ML-DSA-65 receipt key: receipts then carry a second, post-quantum signature (hybrid). */
  receiptMlDsaKey?: MlDsaKeyPair;
  /** Ed25519 key that signs the ledger's checkpoints; default the receipt key (one key fewer, but pinned anew on rotation). */
  checkpointKey?: KeyObject;
  netCapKey: KeyObject;
  secrets: MasterSecret[];
  policies: Uint8Array[];
  batch?: { maxBatch: number; maxInFlight: number };
  refusals?: { limit: number; windowMs: number; maxKeys: number };
  sessions?: { ttlSeconds: number; maxSessions: number; maxPerEntitlement: number };
  /** Requests per second and burst per OIDC subject. Default 100 and 200. */
  subjectRateLimit?: { ratePerSecond: number; burst: number };
  jti?: JtiStore;
  /** Anchoring the ledger root in EvidenceAnchor, as `account`; off when absent. */
  anchor?: {
    settings: AnchorSettings;
    /** The RPC endpoint anchoring sends through (default `rpcUrl`). */
    rpcUrl?: string;
    log?: (e: AnchorLogEvent) => void;
  };
}

/** A wired gateway: its services for the HTTP layer, its context, and how to stop it cleanly. */
export interface WiredGateway {
  services: GatewayServices;
  context: GatewayContext;
  ledger: ReceiptLedger;
  /** The anchoring loop, when configured. */
  anchoring: RunningAnchoring | undefined;
  close(): Promise<void>;
}

/** Wires a gateway from its materials: opens (and verifies) the ledger, builds clients, signs GatewayKeys. */
export async function wireGateway(m: GatewayMaterials): Promise<WiredGateway> {
  validateSecrets(m.secrets);
  const chainId = BigInt(m.chain.id);
  const gateway = getAddress(m.account.address);
  const issuer = receiptIssuer(chainId, gateway);
  const signer: HybridReceiptSigner =
    m.receiptMlDsaKey === undefined ? m.receiptKey : { ...m.receiptKey, mlDsa: m.receiptMlDsaKey };
  const ledger = await openLedger({
    path: m.ledgerPath,
    signer,
    issuer,
    clock: m.clock,
  });
  const transparency = await TransparencyLog.open({
    ledger,
    origin: checkpointOrigin(chainId, m.market, gateway),
    signingKey: m.checkpointKey ?? m.receiptKey.privateKey,
    ...(m.receiptMlDsaKey === undefined ? {} : { mlDsaKey: m.receiptMlDsaKey }),
  });
  const domain = marketDomain(chainId, m.market);
  const walletClient = createWalletClient({
    account: m.account,
    chain: m.chain,
    transport: http(m.rpcUrl, { batch: true }),
  });
  const policies = new PolicyStore();
  for (const bytes of m.policies) policies.pin(bytes);
  const jwks = createJwksSource({
    url: m.oidc.jwksUrl,
    fetch: m.fetch,
    clock: m.clock,
    ...(m.oidc.cooldownSeconds !== undefined ? { cooldownSeconds: m.oidc.cooldownSeconds } : {}),
  });
  const context: GatewayContext = {
    clock: m.clock,
    chainId,
    market: m.market,
    gateway,
    domain,
    audience: expectedAudience(chainId, m.market, gateway),
    issuer: m.oidc.issuer,
    leewaySeconds: m.oidc.leewaySeconds,
    jwks,
    jti: m.jti ?? new MemoryJtiStore({ clock: m.clock }),
    publicClient: m.publicClient,
    reader: createMarketReader(m.publicClient, m.market, m.deployBlock),
    consumer: createPermitConsumer({
      publicClient: m.publicClient,
      walletClient,
      market: m.market,
      confirmations: m.confirmations,
      maxBatch: m.batch?.maxBatch ?? 32,
      maxInFlight: m.batch?.maxInFlight ?? 4,
      domain,
    }),
    ledger,
    refusals: new RefusalLimiter({
      append: (entry) => ledger.append(entry),
      clock: m.clock,
      limit: m.refusals?.limit ?? 20,
      windowMs: m.refusals?.windowMs ?? 60_000,
      maxKeys: m.refusals?.maxKeys ?? 10_000,
    }),
    secrets: m.secrets,
    netCapKey: netCapSigningKey(m.netCapKey),
    policies,
    sessions: new SessionStore(m.sessions ?? { ttlSeconds: 3600, maxSessions: 10_000, maxPerEntitlement: 64 }),
    subjectLimiter: new TokenBucketLimiter({
      ratePerSecond: m.subjectRateLimit?.ratePerSecond ?? 100,
      burst: m.subjectRateLimit?.burst ?? 200,
      maxKeys: 10_000,
      clock: m.clock,
    }),
    receiptIssuer: issuer,
    transparency,
  };
  const notBefore = BigInt(Math.floor(m.clock().getTime() / 1000));
  const hybrid =
    m.receiptMlDsaKey === undefined
      ? undefined
      : { receiptPrivateKey: m.receiptKey.privateKey, mlDsa: m.receiptMlDsaKey };
  const description = await describeGateway(context, m.account, m.receiptKey.publicKey, notBefore, hybrid);
  const anchoring = m.anchor === undefined ? undefined : await wireAnchoring(m, m.anchor, ledger, transparency);
  const services = createServices(context, description, {
    chain: () => m.publicClient.getBlockNumber(),
    jwks: () => m.fetch(m.oidc.jwksUrl, { signal: AbortSignal.timeout(2_000) }).then(assertOk),
    ...(anchoring === undefined ? {} : { anchor: async () => anchorHealthy(anchoring) }),
  });
  return {
    services,
    context,
    ledger,
    anchoring,
    async close() {
      await anchoring?.stop();
      await context.consumer.drain();
      transparency.close();
      await ledger.close();
    },
  };
}

/** Starts anchoring as the gateway's account, through the anchoring RPC endpoint when one is configured. */
function wireAnchoring(
  m: GatewayMaterials,
  anchor: NonNullable<GatewayMaterials["anchor"]>,
  ledger: ReceiptLedger,
  transparency: TransparencyLog,
): Promise<RunningAnchoring> {
  const rpcUrl = anchor.rpcUrl ?? m.rpcUrl;
  const transport = http(rpcUrl, { retryCount: 0 });
  return startAnchoring({
    settings: anchor.settings,
    publicClient:
      rpcUrl === m.rpcUrl ? m.publicClient : (createPublicClient({ chain: m.chain, transport }) as PublicClient),
    walletClient: createWalletClient({ account: m.account, chain: m.chain, transport }),
    confirmations: m.confirmations,
    ledgerPath: m.ledgerPath,
    ledger,
    rootSource: () => transparency.snapshot(),
    rootAt: (treeSize) => transparency.tree.rootAt(treeSize),
    ...(anchor.log === undefined ? {} : { log: anchor.log }),
  });
}

/** Throws while anchoring is failing, so `/readyz` reports `anchor: down` (without making the gateway unready). */
function anchorHealthy(anchoring: RunningAnchoring): void {
  const status = anchoring.anchorer.status();
  if (status.consecutiveFailures > 0) throw new Error(status.lastError ?? "anchoring failing");
}

async function assertOk(res: Response): Promise<void> {
  await res.body?.cancel();
  if (!res.ok) throw new Error(`status ${res.status}`);
}
