import type { Hex } from "viem";
import { z } from "zod";

import { type StateKeyRequest, type StepPermit, stepPermitToJson } from "../protocol/eip712";
import { ProtocolError } from "../protocol/errors";
import type { WorkerJwk } from "../protocol/keys";
import { stateKeyRequestToJson } from "../protocol/stateKeyRequest";
import {
  type Checkpoint,
  HASH_BYTES,
  MAX_NOTE_BYTES,
  decodeBase64Strict,
  parseCheckpoint,
  parseNote,
} from "../protocol/transparency";

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

/** `GET /v1/checkpoint`: the signed note as served, and its checkpoint body, parsed but NOT verified. */
export interface GatewayCheckpoint {
  /** The C2SP signed note, byte for byte (what a witness cosigns and a bundle stores). */
  note: string;
  /** Its body; trust it only after `openCheckpoint(note, pinnedLogKey, origin)`. */
  checkpoint: Checkpoint;
}

/** `GET /v1/proofs/inclusion`, decoded: the audit path of leaf `seq` in the tree of `treeSize` leaves. */
export interface InclusionProofAnswer {
  seq: number;
  treeSize: number;
  /** Informative: a verifier recomputes SHA-256(0x00 || line) from the line it holds. */
  leafHash: Uint8Array;
  proof: Uint8Array[];
}

/** `GET /v1/proofs/consistency`, decoded: the proof that the tree of `to` leaves extends the tree of `from`. */
export interface ConsistencyProofAnswer {
  from: number;
  to: number;
  proof: Uint8Array[];
}

/** Client options: the per-request timeout (default 60 s). */
export interface GatewayClientOptions {
  timeoutMs?: number;
}

/** Largest proof answer read (an RFC 9162 proof of a tree below 2^53 has at most ~106 hashes: ~6 KB). */
const MAX_PROOF_ANSWER_BYTES = 64 * 1024;
/** Most hashes accepted in one proof: 2 × 53 levels, rounded up. */
const MAX_PROOF_HASHES = 128;
const SIZE = /^(0|[1-9][0-9]{0,15})$/;

const base64Hashes = z.array(z.string()).max(MAX_PROOF_HASHES);
const inclusionSchema = z
  .object({ seq: z.string().regex(SIZE), treeSize: z.string().regex(SIZE), leafHash: z.string(), proof: base64Hashes })
  .strict();
const consistencySchema = z
  .object({ from: z.string().regex(SIZE), to: z.string().regex(SIZE), proof: base64Hashes })
  .strict();

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

/** The transparency routes of the gateway: its checkpoint and the proofs against it (parsed, never verified). */
export interface GatewayTransparencyClient {
  /** The latest signed checkpoint (text/plain), parsed as a note with a checkpoint body; not verified. */
  checkpoint(): Promise<GatewayCheckpoint>;
  /** The inclusion proof of leaf `seq` in the tree of `treeSize` leaves; the answer must echo both. */
  inclusionProof(seq: number, treeSize: number): Promise<InclusionProofAnswer>;
  /** The consistency proof from the tree of `from` leaves to the tree of `to` leaves; the answer must echo both. */
  consistencyProof(from: number, to: number): Promise<ConsistencyProofAnswer>;
}

/** Largest JSON answer read from the other routes. */
const MAX_JSON_ANSWER_BYTES = 16 * 1024 * 1024;

function answerInvalid(path: string, status: number, detail: string): GatewayRequestError {
  return new GatewayRequestError(
    "GATEWAY_ANSWER_INVALID",
    `expected ${detail} from ${path}, got status ${status}`,
    status,
  );
}

/** Reads a body of at most `limit` bytes (declared or streamed), as strict UTF-8. */
async function readText(res: Response, path: string, limit: number): Promise<string> {
  const tooLarge = () => answerInvalid(path, res.status, `an answer of at most ${limit} bytes`);
  if (Number(res.headers.get("content-length") ?? 0) > limit) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body?.getReader();
  try {
    for (let next = await reader?.read(); next !== undefined && !next.done; next = await reader?.read()) {
      total += next.value.length;
      if (total > limit) {
        await reader?.cancel().catch(() => undefined);
        throw tooLarge();
      }
      chunks.push(next.value);
    }
  } catch (cause) {
    if (cause instanceof GatewayRequestError) throw cause;
    throw new GatewayRequestError(
      "GATEWAY_UNREACHABLE",
      `the answer to ${path} broke off: ${String(cause)}`,
      res.status,
    );
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw answerInvalid(path, res.status, "UTF-8");
  }
}

/** The gateway's `{ error: { code, message } }` as a typed error. */
function refusal(path: string, status: number, text: string): GatewayRequestError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return answerInvalid(path, status, "JSON");
  }
  const error = json !== null && typeof json === "object" ? (json as { error?: unknown }).error : undefined;
  const { code, message } = (error !== null && typeof error === "object" ? error : {}) as Record<string, unknown>;
  return new GatewayRequestError(
    typeof code === "string" ? code : "GATEWAY_ERROR",
    typeof message === "string" ? message : `status ${status}`,
    status,
  );
}

/** A tree size or leaf index as the routes take it: a safe non-negative integer. */
function sizeParam(name: string, value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new GatewayRequestError(
      "TLOG_ARGUMENT_INVALID",
      `expected ${name} as an integer in [0, 2^53), got ${value}`,
      0,
    );
  }
  return String(value);
}

/** Decodes proof hashes: each canonical padded base64 of exactly 32 bytes. */
function hashes(path: string, status: number, values: readonly string[]): Uint8Array[] {
  return values.map((value) => {
    const bytes = decodeBase64Strict(value);
    if (bytes?.length !== HASH_BYTES) throw answerInvalid(path, status, `hashes as base64 of ${HASH_BYTES} bytes`);
    return bytes;
  });
}

/** Creates a client for the gateway at `baseUrl` (no trailing slash). */
export function createGatewayClient(
  baseUrl: string,
  fetchImpl: typeof fetch,
  options: GatewayClientOptions = {},
): GatewayClient & GatewayTransparencyClient {
  const timeoutMs = options.timeoutMs ?? 60_000;

  /** Sends one request (never following a redirect) and reads its answer as text; refusals throw. */
  async function send(
    method: string,
    path: string,
    limit: number,
    body?: unknown,
    token?: string,
  ): Promise<{ text: string; type: string; status: number }> {
    let res: Response;
    try {
      res = await fetchImpl(`${baseUrl}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        redirect: "error",
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      throw new GatewayRequestError(
        "GATEWAY_UNREACHABLE",
        `cannot reach the gateway at ${baseUrl}: ${String(cause)}`,
        0,
      );
    }
    const text = await readText(res, path, res.ok ? limit : MAX_JSON_ANSWER_BYTES);
    if (!res.ok) throw refusal(path, res.status, text);
    return { text, type: res.headers.get("content-type") ?? "", status: res.status };
  }

  async function call<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
    const { text, status } = await send(method, path, MAX_JSON_ANSWER_BYTES, body, token);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw answerInvalid(path, status, "JSON");
    }
  }

  /** GETs a JSON answer of at most `limit` bytes and parses it with `schema` (strict: unknown keys refused). */
  async function getParsed<S extends z.ZodType>(path: string, limit: number, schema: S): Promise<z.infer<S>> {
    const { text, status } = await send("GET", path, limit);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw answerInvalid(path, status, "JSON");
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw answerInvalid(path, status, `the documented answer (${parsed.error.issues[0]?.message})`);
    return parsed.data;
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
    async checkpoint() {
      const path = "/v1/checkpoint";
      const { text, type, status } = await send("GET", path, MAX_NOTE_BYTES);
      if (!/^text\/plain(;|$)/i.test(type)) throw answerInvalid(path, status, "text/plain");
      try {
        const note = parseNote(text);
        return { note: text, checkpoint: parseCheckpoint(note.text) };
      } catch (cause) {
        const code = cause instanceof ProtocolError ? cause.code : "unparsable";
        throw answerInvalid(path, status, `a signed checkpoint note (${code})`);
      }
    },
    async inclusionProof(seq, treeSize) {
      const query = `seq=${sizeParam("seq", seq)}&treeSize=${sizeParam("treeSize", treeSize)}`;
      const path = `/v1/proofs/inclusion?${query}`;
      const answer = await getParsed(path, MAX_PROOF_ANSWER_BYTES, inclusionSchema);
      if (answer.seq !== String(seq) || answer.treeSize !== String(treeSize)) {
        throw answerInvalid(path, 200, `the asked seq ${seq} and treeSize ${treeSize} echoed`);
      }
      const [leafHash] = hashes(path, 200, [answer.leafHash]);
      return { seq, treeSize, leafHash: leafHash!, proof: hashes(path, 200, answer.proof) };
    },
    async consistencyProof(from, to) {
      const path = `/v1/proofs/consistency?from=${sizeParam("from", from)}&to=${sizeParam("to", to)}`;
      const answer = await getParsed(path, MAX_PROOF_ANSWER_BYTES, consistencySchema);
      if (answer.from !== String(from) || answer.to !== String(to)) {
        throw answerInvalid(path, 200, `the asked from ${from} and to ${to} echoed`);
      }
      return { from, to, proof: hashes(path, 200, answer.proof) };
    },
  };
}
