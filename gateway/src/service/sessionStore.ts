import { randomBytes } from "node:crypto";
import type { Hex } from "viem";

import type { StepPermit } from "../../../client/src/protocol/eip712";
import type { WorkerJwk } from "../../../client/src/protocol/keys";
import { GatewayError } from "../errors";

/** A runner waiting for a permit: who it is (from its verified token) and the key caps will be encrypted to. */
export interface Session {
  readonly id: string;
  readonly entitlementId: bigint;
  readonly runId: bigint;
  readonly runAttempt: number;
  readonly repository: string;
  readonly workerJwk: WorkerJwk;
  readonly workerKey: Hex;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly receiptSeq: number;
  permit?: { permit: StepPermit; signature: Hex };
}

/** Limits of the in-memory session store. */
export interface SessionStoreOptions {
  /** Seconds a session lives. */
  ttlSeconds: number;
  maxSessions: number;
  maxPerEntitlement: number;
}

/**
 * Runner sessions in memory, bounded in total and per entitlement, forgotten after their TTL. Sessions are a
 * convenience for handing a permit to a runner: losing them (a restart) costs the runner a new session, never
 * a release, since caps need a consumed permit and a fresh token anyway.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly options: SessionStoreOptions) {}

  /** Stores a new session; refuses when the store or the entitlement is full. */
  add(fields: Omit<Session, "id" | "expiresAt">, now: number): Session {
    this.sweep(now);
    if (this.sessions.size >= this.options.maxSessions) {
      throw new GatewayError("SESSIONS_FULL", 503, "too many open sessions: try again later");
    }
    const open = [...this.sessions.values()].filter((s) => s.entitlementId === fields.entitlementId).length;
    if (open >= this.options.maxPerEntitlement) {
      throw new GatewayError("SESSIONS_FULL", 429, `too many open sessions for entitlement ${fields.entitlementId}`);
    }
    const session: Session = {
      ...fields,
      id: randomBytes(16).toString("hex"),
      expiresAt: now + this.options.ttlSeconds,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** A live session by id (`SESSION_UNKNOWN` 404 otherwise). */
  get(id: string, now: number): Session {
    const s = this.sessions.get(id);
    if (!s || s.expiresAt <= now) throw new GatewayError("SESSION_UNKNOWN", 404, "no such session, or it expired");
    return s;
  }

  /** Live sessions of an entitlement, oldest first. */
  forEntitlement(entitlementId: bigint, now: number): Session[] {
    this.sweep(now);
    return [...this.sessions.values()].filter((s) => s.entitlementId === entitlementId);
  }

  private sweep(now: number): void {
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
  }
}
