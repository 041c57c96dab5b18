import type { Address, PublicClient, TypedDataDomain } from "viem";

import type { Clock } from "../../../client/src/protocol/clock";
import type { MasterSecret } from "../caps/secrets";
import type { NetCapSigningKey } from "../caps/netcap";
import type { MarketReader } from "../chain/marketReader";
import type { PermitConsumer } from "../chain/permitConsumer";
import type { TokenBucketLimiter } from "../http/rateLimiter";
import type { JtiStore, JwksSource } from "../oidc";
import type { ReceiptLedger, RefusalLimiter } from "../receipts";
import type { PolicyStore } from "./policies";
import type { SessionStore } from "./sessionStore";
import type { TransparencyLog } from "../transparency";

/**
 * Everything the gateway's services use, wired once at start (see `createGatewayContext`) and passed in:
 * no service reaches for the clock, the network, the environment or the disk on its own.
 */
export interface GatewayContext {
  readonly clock: Clock;
  readonly chainId: bigint;
  readonly market: Address;
  /** This gateway's address: the offer's gateway, the consume sender, the GatewayKeys signer. */
  readonly gateway: Address;
  readonly domain: TypedDataDomain;
  /** `swarm:<chainId>:<market>:<gateway>`: the only audience runner tokens may carry. */
  readonly audience: string;
  /** The OIDC issuer runner tokens must come from, exactly. */
  readonly issuer: string;
  readonly leewaySeconds: number;
  readonly jwks: JwksSource;
  readonly jti: JtiStore;
  readonly publicClient: PublicClient;
  readonly reader: MarketReader;
  readonly consumer: PermitConsumer;
  readonly ledger: ReceiptLedger;
  readonly refusals: RefusalLimiter;
  readonly secrets: readonly MasterSecret[];
  readonly netCapKey: NetCapSigningKey;
  readonly policies: PolicyStore;
  readonly sessions: SessionStore;
  /** Per-OIDC-subject token bucket, taken once a runner's token is verified. */
  readonly subjectLimiter: TokenBucketLimiter;
  /** The receipt issuer `eip155:<chainId>:<gateway>`. */
  readonly receiptIssuer: string;
  /** The Merkle tree over the ledger, its signed checkpoints and proofs; absent = none published. */
  readonly transparency?: TransparencyLog;
}
