import type { Hex } from "viem";

import type { GatewayClient, GatewaySession } from "../gateway/client";
import { ProtocolError } from "../protocol/errors";
import { type WorkerJwk, jwkThumbprint, parseWorkerJwk } from "../protocol/keys";
import { BuyerErrorCode } from "./errors";

/** A runner waiting on an entitlement, as the gateway listed it, parsed and checked. */
export interface RunnerSession {
  readonly id: string;
  readonly entitlementId: bigint;
  /** The GitHub run (from the runner's verified OIDC token). */
  readonly runId: bigint;
  readonly runAttempt: number;
  readonly repository: string;
  /** RFC 7638 thumbprint of `workerJwk`: the permit's `workerKey`. */
  readonly workerKey: Hex;
  readonly workerJwk: WorkerJwk;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  /** Sequence number of the gateway's `session` receipt. */
  readonly receiptSeq: bigint;
  readonly hasPermit: boolean;
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;
const SESSION_ID = /^[A-Za-z0-9_-]{1,128}$/;

function invalid(message: string, cause?: unknown): never {
  throw new ProtocolError(BuyerErrorCode.SESSION_INVALID, message, cause === undefined ? undefined : { cause });
}

function decimal(v: unknown, name: string, max: bigint): bigint {
  if (typeof v !== "string" || !DECIMAL.test(v) || BigInt(v) > max) invalid(`expected ${name} as a decimal string`);
  return BigInt(v);
}

function date(v: unknown, name: string): Date {
  const d = typeof v === "string" ? new Date(v) : new Date(Number.NaN);
  if (Number.isNaN(d.getTime())) invalid(`expected ${name} as an ISO date`);
  return d;
}

/**
 * Parses a session from the gateway and refuses one that is malformed, for another entitlement, or whose
 * `workerKey` is not the thumbprint of its `workerJwk` (a permit bound to it would release caps to another key).
 */
export function parseRunnerSession(raw: GatewaySession, entitlementId: bigint): RunnerSession {
  if (typeof raw !== "object" || raw === null) invalid("expected a session object");
  if (typeof raw.id !== "string" || !SESSION_ID.test(raw.id)) invalid("expected a session id of [A-Za-z0-9_-]");
  const id = decimal(raw.entitlementId, "entitlementId", (1n << 256n) - 1n);
  if (id !== entitlementId) invalid(`expected a session for entitlement ${entitlementId}, got ${id}`);
  let workerJwk: WorkerJwk;
  try {
    workerJwk = parseWorkerJwk(raw.workerJwk);
  } catch (cause) {
    invalid("expected the session's worker key as an X25519 public JWK", cause);
  }
  const workerKey = jwkThumbprint(workerJwk);
  if (typeof raw.workerKey !== "string" || raw.workerKey.toLowerCase() !== workerKey) {
    invalid(`expected workerKey = thumbprint(workerJwk) = ${workerKey}`);
  }
  if (typeof raw.repository !== "string" || raw.repository.length === 0) invalid("expected a repository");
  if (typeof raw.hasPermit !== "boolean") invalid("expected hasPermit as a boolean");
  return {
    id: raw.id,
    entitlementId: id,
    runId: decimal(raw.runId, "runId", (1n << 64n) - 1n),
    runAttempt: Number(decimal(raw.runAttempt, "runAttempt", 2n ** 32n - 1n)),
    repository: raw.repository,
    workerKey,
    workerJwk,
    createdAt: date(raw.createdAt, "createdAt"),
    expiresAt: date(raw.expiresAt, "expiresAt"),
    receiptSeq: decimal(raw.receiptSeq, "receiptSeq", (1n << 64n) - 1n),
    hasPermit: raw.hasPermit,
  };
}

/** The runner sessions waiting on an entitlement, oldest first, each parsed and checked (`SESSION_INVALID`). */
export async function listSessions(gateway: GatewayClient, entitlementId: bigint): Promise<RunnerSession[]> {
  const sessions = await gateway.listSessions(entitlementId);
  if (!Array.isArray(sessions)) invalid("expected a list of sessions");
  return sessions.map((s) => parseRunnerSession(s, entitlementId));
}
