import type { Hex } from "viem";

/** What the HTTP layer knows of a request when it hands it to a service. */
export interface RequestContext {
  /** The `Authorization: Bearer` token, unverified; undefined when absent. Never logged. */
  bearer: string | undefined;
  /** The peer address, for per-address limits and receipts. */
  remoteAddress: string;
  /** A random id for correlating logs of one request. */
  requestId: string;
}

/** A runner session as the gateway shows it to buyers and runners. */
export interface SessionView {
  id: string;
  entitlementId: string;
  runId: string;
  runAttempt: string;
  repository: string;
  workerKey: Hex;
  workerJwk: { kty: "OKP"; crv: "X25519"; x: string };
  createdAt: string;
  expiresAt: string;
  receiptSeq: string;
  hasPermit: boolean;
}

/** The answer to a cap release: the JWE for the worker key, the consuming transaction, the receipt. */
export interface CapsAnswer {
  jwe: string;
  txHash: Hex;
  receiptSeq: string;
  redelivery: boolean;
}

/** An inclusion proof: decimal sizes, base64 hashes (the checkpoint's encoding). */
export interface InclusionProofView {
  seq: string;
  treeSize: string;
  leafHash: string;
  proof: string[];
}

/** A consistency proof between two tree sizes, base64 hashes. */
export interface ConsistencyProofView {
  from: string;
  to: string;
  proof: string[];
}

/** Readiness of each dependency: the chain, the JWKS, the ledger. */
export interface Readiness {
  ready: boolean;
  checks: Record<string, "ok" | "down">;
}

/**
 * Everything the gateway does, behind the HTTP layer. Bodies arrive as parsed but unvalidated JSON (`unknown`):
 * each service validates its own input and throws `GatewayError` with a stable code and status.
 */
export interface GatewayServices {
  openSession(ctx: RequestContext, body: unknown): Promise<SessionView>;
  listSessions(ctx: RequestContext, entitlementId: string): Promise<SessionView[]>;
  attachPermit(ctx: RequestContext, sessionId: string, body: unknown): Promise<SessionView>;
  sessionPermit(ctx: RequestContext, sessionId: string): Promise<{ permit: unknown; signature: Hex }>;
  releaseCaps(ctx: RequestContext, body: unknown): Promise<CapsAnswer>;
  stateKeys(ctx: RequestContext, body: unknown): Promise<{ jwe: string; receiptSeq: string }>;
  receipt(seq: string): Promise<unknown>;
  receipts(from: string, to: string): Promise<unknown[]>;
  /** The latest signed checkpoint: a C2SP signed note (served as text/plain), or a structured answer (JSON). */
  checkpoint?(): Promise<unknown>;
  /** The inclusion proof of receipt `seq` in the tree of `treeSize` receipts (decimal strings, unvalidated range). */
  inclusionProof?(seq: string, treeSize: string): Promise<InclusionProofView>;
  /** The consistency proof from the tree of `from` receipts to the tree of `to` receipts. */
  consistencyProof?(from: string, to: string): Promise<ConsistencyProofView>;
  wellKnown(): Promise<unknown>;
  ready(): Promise<Readiness>;
}
