import type { Hex } from "viem";

import { type StateKeyRequest, type StepPermit, stepPermitToJson } from "../protocol/eip712";
import { ProtocolError } from "../protocol/errors";
import type { WorkerJwk } from "../protocol/keys";
import { stateKeyRequestToJson } from "../protocol/stateKeyRequest";

/** A runner session as the gateway lists it. */
export interface GatewaySession {
  id: string;
  entitlementId: string;
  runId: string;
  runAttempt: string;
  repository: string;
  workerKey: Hex;
  workerJwk: WorkerJwk;
  createdAt: string;
  expiresAt: string;
  receiptSeq: string;
  hasPermit: boolean;
}

/** How a request names its policy capsule: the JCS bytes (base64url) or the hash of one the gateway holds. */
export type PolicyReference = { capsule: string } | { hash: Hex };

/** The gateway answered with an error: its stable code, message and HTTP status. */
export class GatewayRequestError extends ProtocolError {
  constructor(
    code: string,
    message: string,
    readonly status: number,
  ) {
    super(code, message);
  }
}

/** A typed client for the capability gateway's HTTP API. `fetch` is passed in, never reached for. */
export interface GatewayClient {
  openSession(
    token: string,
    body: { entitlementId: bigint; workerKey: WorkerJwk; policy: PolicyReference },
  ): Promise<GatewaySession>;
  listSessions(entitlementId: bigint): Promise<GatewaySession[]>;
  attachPermit(sessionId: string, permit: StepPermit, signature: Hex): Promise<GatewaySession>;
  /** The permit attached to a session, or undefined while there is none yet. */
  sessionPermit(sessionId: string): Promise<{ permit: unknown; signature: Hex } | undefined>;
  releaseCaps(
    token: string,
    body: { permit: StepPermit; signature: Hex; workerKey: WorkerJwk; policy: PolicyReference },
  ): Promise<{ jwe: string; txHash: Hex; receiptSeq: string; redelivery: boolean }>;
  stateKeys(
    request: StateKeyRequest,
    signature: Hex,
    recipientJwk: WorkerJwk,
  ): Promise<{ jwe: string; receiptSeq: string }>;
  receipt(seq: string): Promise<unknown>;
  describe(): Promise<unknown>;
}

/** Creates a client for the gateway at `baseUrl` (no trailing slash). */
export function createGatewayClient(baseUrl: string, fetchImpl: typeof fetch): GatewayClient {
  async function call<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
    let res: Response;
    try {
      res = await fetchImpl(`${baseUrl}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (cause) {
      throw new GatewayRequestError(
        "GATEWAY_UNREACHABLE",
        `cannot reach the gateway at ${baseUrl}: ${String(cause)}`,
        0,
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new GatewayRequestError(
        "GATEWAY_ANSWER_INVALID",
        `expected JSON from ${path}, got status ${res.status}`,
        res.status,
      );
    }
    if (!res.ok) {
      const error = (json as { error?: { code?: unknown; message?: unknown } }).error;
      const code = typeof error?.code === "string" ? error.code : "GATEWAY_ERROR";
      const message = typeof error?.message === "string" ? error.message : `status ${res.status}`;
      throw new GatewayRequestError(code, message, res.status);
    }
    return json as T;
  }

  return {
    async openSession(token, body) {
      const answer = await call<{ session: GatewaySession }>(
        "POST",
        "/v1/sessions",
        { entitlementId: body.entitlementId.toString(), workerKey: body.workerKey, policy: body.policy },
        token,
      );
      return answer.session;
    },
    async listSessions(entitlementId) {
      return (await call<{ sessions: GatewaySession[] }>("GET", `/v1/sessions?entitlementId=${entitlementId}`))
        .sessions;
    },
    async attachPermit(sessionId, permit, signature) {
      const path = `/v1/sessions/${encodeURIComponent(sessionId)}/permit`;
      return (await call<{ session: GatewaySession }>("POST", path, { permit: stepPermitToJson(permit), signature }))
        .session;
    },
    async sessionPermit(sessionId) {
      try {
        return await call<{ permit: unknown; signature: Hex }>(
          "GET",
          `/v1/sessions/${encodeURIComponent(sessionId)}/permit`,
        );
      } catch (err) {
        if (err instanceof GatewayRequestError && err.code === "PERMIT_NOT_READY") return undefined;
        throw err;
      }
    },
    releaseCaps(token, body) {
      return call("POST", "/v1/caps", { ...body, permit: stepPermitToJson(body.permit) }, token);
    },
    stateKeys(request, signature, recipientJwk) {
      return call("POST", "/v1/state-keys", { request: stateKeyRequestToJson(request), signature, recipientJwk });
    },
    async receipt(seq) {
      return (await call<{ receipt: unknown }>("GET", `/v1/receipts/${seq}`)).receipt;
    },
    describe() {
      return call("GET", "/.well-known/swarm-gateway.json");
    },
  };
}
