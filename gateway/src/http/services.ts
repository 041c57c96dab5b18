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
  checkpoint?(): Promise<unknown>;
  wellKnown(): Promise<unknown>;
  ready(): Promise<Readiness>;
}
