import type { KeyObject } from "node:crypto";
import type { Clock } from "../protocol/clock";
import type { Hex, SignatureVerifier, VerifiedLedger } from "../protocol/receipts";
import { type OpenedCheckpoint, leafHash, rootOf } from "../protocol/transparency";
import type { BundleFiles } from "./bundleDir";
import type { BundleClaim } from "./claim";

/**
 * What the verifier trusts, given from outside the bundle. Keys found in `trust/` only identify: they count when a
 * pin, or a claim signed by a pinned issuer, names them.
 */
export interface BundlePins {
  /** The claim issuer's Ed25519 public key (`--pin-key`). */
  readonly issuerKey?: KeyObject;
  /**
   * The gateway's on-chain identity: the claim must be signed by the receipt key that a GatewayKeys statement,
   * signed by this gateway address in the market's EIP-712 domain, names (`--gateway-keys-from-chain`).
   */
  readonly gateway?: { readonly address: Hex; readonly chainId: bigint; readonly market: Hex };
  /** The log's checkpoint key, overriding the claim-bound trust/log-pubkey.pem. */
  readonly logKey?: KeyObject;
  /** A k-of-n witness policy: note verifier keys (`name+id+base64`) and k (`--witness-policy`). */
  readonly witnessPolicy?: {
    readonly threshold: number;
    readonly witnesses: readonly string[];
    readonly origin?: string;
  };
  /** The TSA certificate chain (PEM), overriding the claim-bound trust/tsa-cert-chain.pem. */
  readonly tsaChainPem?: string;
}

/**
 * An anchor record (proofs/anchor.json): one EvidenceAnchor epoch, the line the gateway writes in anchors.ndjson
 * (integers as decimal strings, 0x lowercase hex).
 */
export interface AnchorRecord {
  readonly epoch: string;
  readonly treeSize: string;
  readonly root: Hex;
  readonly prevRoot: Hex;
  readonly chainId: string;
  /** The EvidenceAnchor contract. */
  readonly contract: Hex;
  /** The anchoring account: the gateway's address. */
  readonly issuer: Hex;
  readonly transactionHash: Hex;
  readonly blockNumber: string;
}

/** Verifies an RFC 3161 token over `digest` (sha256) against a TSA chain; returns the signed time. */
export type TimestampVerifier = (tsr: Buffer, digest: Buffer, tsaChainPem: string) => Promise<{ genTime: Date }>;
/** Reads the root the chain holds for the record's issuer and epoch; undefined when it has none. */
export type AnchorReader = (record: AnchorRecord) => Promise<Hex | undefined>;

/** Options of `verifyBundle`: pins and the injected verifiers for the layers that need outside code or data. */
export interface VerifyBundleOptions {
  readonly pins: BundlePins;
  readonly clock: Clock;
  /** Default: the RFC 3161 verifier of protocol/timestamp. */
  readonly timestampVerifier?: TimestampVerifier;
  readonly anchorReader?: AnchorReader;
  /** Runs the receipts' Ed25519 checks (a worker pool from createSignaturePool); default: the calling thread. */
  readonly signatures?: SignatureVerifier;
}

/** What the checks share while one bundle is verified. */
export interface BundleContext {
  readonly bundle: BundleFiles;
  readonly options: VerifyBundleOptions;
  claim?: BundleClaim;
  claimBytes?: Buffer;
  issuerKeyid?: string;
  issuerPinned: boolean;
  receipts?: VerifiedLedger;
  /** The receipts' RFC 6962 leaf hashes and their root, computed once. */
  leaves?: Uint8Array[];
  root?: Uint8Array;
  checkpoint?: OpenedCheckpoint;
  checkpointNote?: string;
  partial: boolean;
}

/** The bytes of `path` in the bundle, or undefined. */
export function fileOf(ctx: BundleContext, path: string): Buffer | undefined {
  return ctx.bundle.files.get(path);
}

/** The verified receipts' leaf hashes (empty before the receipts check passed), computed once. */
export function receiptLeaves(ctx: BundleContext): Uint8Array[] {
  ctx.leaves ??= (ctx.receipts?.lines ?? []).map(leafHash);
  return ctx.leaves;
}

/** The RFC 6962 root over the verified receipts alone, computed once. */
export function receiptRoot(ctx: BundleContext): Uint8Array {
  ctx.root ??= rootOf(receiptLeaves(ctx));
  return ctx.root;
}
