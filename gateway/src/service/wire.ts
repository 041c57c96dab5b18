import type { KeyObject } from "node:crypto";
import {
  type Address,
  type Chain,
  type LocalAccount,
  type PublicClient,
  createWalletClient,
  getAddress,
  http,
} from "viem";

import type { Clock } from "../../../client/src/protocol/clock";
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
import { createServices } from "./createServices";
import { PolicyStore } from "./policies";
import { SessionStore } from "./sessionStore";
import { describeGateway } from "./wellKnown";

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
  netCapKey: KeyObject;
  secrets: MasterSecret[];
  policies: Uint8Array[];
  batch?: { maxBatch: number; maxInFlight: number };
  refusals?: { limit: number; windowMs: number; maxKeys: number };
  sessions?: { ttlSeconds: number; maxSessions: number; maxPerEntitlement: number };
  /** Requests per second and burst per OIDC subject. Default 100 and 200. */
  subjectRateLimit?: { ratePerSecond: number; burst: number };
  jti?: JtiStore;
}

/** A wired gateway: its services for the HTTP layer, its context, and how to stop it cleanly. */
export interface WiredGateway {
  services: GatewayServices;
  context: GatewayContext;
  ledger: ReceiptLedger;
  close(): Promise<void>;
}

/** Wires a gateway from its materials: opens (and verifies) the ledger, builds clients, signs GatewayKeys. */
export async function wireGateway(m: GatewayMaterials): Promise<WiredGateway> {
  validateSecrets(m.secrets);
  const chainId = BigInt(m.chain.id);
  const gateway = getAddress(m.account.address);
  const issuer = receiptIssuer(chainId, gateway);
  const ledger = await openLedger({
    path: m.ledgerPath,
    signer: m.receiptKey,
    issuer,
    clock: m.clock,
  });
  const domain = marketDomain(chainId, m.market);
  const walletClient = createWalletClient({ account: m.account, chain: m.chain, transport: http(m.rpcUrl) });
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
  };
  const notBefore = BigInt(Math.floor(m.clock().getTime() / 1000));
  const description = await describeGateway(context, m.account, m.receiptKey.publicKey, notBefore);
  const services = createServices(context, description, {
    chain: () => m.publicClient.getBlockNumber(),
    jwks: () => m.fetch(m.oidc.jwksUrl, { signal: AbortSignal.timeout(2_000) }).then(assertOk),
  });
  return {
    services,
    context,
    ledger,
    async close() {
      await context.consumer.drain();
      await ledger.close();
    },
  };
}

async function assertOk(res: Response): Promise<void> {
  await res.body?.cancel();
  if (!res.ok) throw new Error(`status ${res.status}`);
}
