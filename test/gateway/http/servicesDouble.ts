import type { Hex } from "viem";
import type {
  CapsAnswer,
  GatewayServices,
  Readiness,
  RequestContext,
  SessionView,
} from "../../../gateway/src/http/services";

/** Values the double answers with; the secret-looking ones let the log test search for them. */
export const CANNED = {
  session: {
    id: "sess_01",
    entitlementId: "7",
    runId: "123456",
    runAttempt: "1",
    repository: "octo-org/octo-repo",
    workerKey: `0x${"ab".repeat(32)}`,
    workerJwk: { kty: "OKP", crv: "X25519", x: "A".repeat(43) },
    createdAt: "2026-06-13T19:01:04.000Z",
    expiresAt: "2026-06-13T20:01:04.000Z",
    receiptSeq: "3",
    hasPermit: false,
  } satisfies SessionView,
  permit: { entitlementId: "7", step: "1" },
  signature: `0x${"5a".repeat(65)}` as Hex,
  caps: {
    jwe: "eyJhbGciOiJFQ0RILUVTK0EyNTZLVyJ9.cannedkey.cannediv.CANNED-CAPS-CIPHERTEXT.cannedtag",
    txHash: `0x${"cd".repeat(32)}`,
    receiptSeq: "9",
    redelivery: false,
  } satisfies CapsAnswer,
  stateKeys: { jwe: "eyJhbGciOiJFQ0RILUVTK0EyNTZLVyJ9.k.iv.CANNED-STATE-CIPHERTEXT.t", receiptSeq: "10" },
  receipt: { payloadType: "application/vnd.swarm.receipt+json", payload: "e30", signatures: [] },
  checkpoint: { note: "gateway.example\n4\nroot\n" },
  wellKnown: { gateway: `0x${"11".repeat(20)}`, keys: [] },
};

type Method = keyof GatewayServices;

/** One recorded call: which service method, with which arguments (context included). */
export interface RecordedCall {
  method: Method;
  args: unknown[];
}

/** A `GatewayServices` that records calls and answers canned values, or what a test tells it to. */
export interface ServicesDouble {
  services: GatewayServices;
  calls: RecordedCall[];
  /** The next calls of `method` throw `err` (until `clear`). */
  failWith(method: Method, err: unknown): void;
  /** Calls of `method` take `ms` before answering. */
  delay(method: Method, ms: number): void;
  readiness: Readiness;
  /** The context of the last call that received one. */
  lastContext(): RequestContext | undefined;
}

/** A fresh double; `checkpoint: false` leaves `services.checkpoint` undefined. */
export function servicesDouble(options: { checkpoint?: boolean } = {}): ServicesDouble {
  const calls: RecordedCall[] = [];
  const failures = new Map<Method, unknown>();
  const delays = new Map<Method, number>();
  const run = async <T>(method: Method, args: unknown[], answer: () => T): Promise<T> => {
    calls.push({ method, args });
    const ms = delays.get(method);
    if (ms !== undefined) await new Promise((resolve) => setTimeout(resolve, ms));
    if (failures.has(method)) throw failures.get(method);
    return answer();
  };
  const double: ServicesDouble = {
    calls,
    failWith: (method, err) => void failures.set(method, err),
    delay: (method, ms) => void delays.set(method, ms),
    readiness: { ready: true, checks: { chain: "ok", jwks: "ok", ledger: "ok" } },
    lastContext: () => {
      for (let i = calls.length - 1; i >= 0; i--) {
        const first = calls[i]!.args[0];
        if (typeof first === "object" && first !== null && "requestId" in first) return first as RequestContext;
      }
      return undefined;
    },
    services: {
      openSession: (ctx, body) => run("openSession", [ctx, body], () => CANNED.session),
      listSessions: (ctx, id) => run("listSessions", [ctx, id], () => [CANNED.session]),
      attachPermit: (ctx, id, body) =>
        run("attachPermit", [ctx, id, body], () => ({ ...CANNED.session, hasPermit: true })),
      sessionPermit: (ctx, id) =>
        run("sessionPermit", [ctx, id], () => ({ permit: CANNED.permit, signature: CANNED.signature })),
      releaseCaps: (ctx, body) => run("releaseCaps", [ctx, body], () => ({ ...CANNED.caps, extra: "not sent" })),
      stateKeys: (ctx, body) => run("stateKeys", [ctx, body], () => CANNED.stateKeys),
      receipt: (seq) => run("receipt", [seq], () => CANNED.receipt),
      receipts: (from, to) => run("receipts", [from, to], () => [CANNED.receipt]),
      wellKnown: () => run("wellKnown", [], () => CANNED.wellKnown),
      ready: () => run("ready", [], () => double.readiness),
    },
  };
  if (options.checkpoint !== false) {
    double.services.checkpoint = () => run("checkpoint", [], () => CANNED.checkpoint);
  }
  return double;
}
