import { GatewayError } from "../errors";
import { MAX_RANGE } from "../receipts";
import type { GatewayServices, Readiness } from "../http/services";
import type { TransparencyLog } from "../transparency";
import type { GatewayContext } from "./context";
import { releaseCaps } from "./releaseCaps";
import { attachPermit, listSessions, openSession, sessionPermit } from "./sessions";
import { releaseStateKeys } from "./stateKeys";
import type { GatewayDescription } from "./wellKnown";

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

/** Dependency probes for /readyz: each resolves when its dependency answers. */
export interface ReadinessProbes {
  chain(): Promise<unknown>;
  jwks(): Promise<unknown>;
  /** Anchoring health, reported as `checks.anchor` but never part of `ready`: anchoring never blocks a release. */
  anchor?(): Promise<unknown>;
}

/** The gateway's services over one wired context. */
export function createServices(
  ctx: GatewayContext,
  description: GatewayDescription,
  probes: ReadinessProbes,
): GatewayServices {
  return {
    openSession: (req, body) => openSession(ctx, req, body),
    listSessions: async (_req, entitlementId) => listSessions(ctx, entitlementId),
    attachPermit: (_req, id, body) => attachPermit(ctx, id, body),
    sessionPermit: async (_req, id) => sessionPermit(ctx, id),
    releaseCaps: (req, body) => releaseCaps(ctx, req, body),
    stateKeys: (req, body) => releaseStateKeys(ctx, req, body),
    async receipt(seq) {
      return (await ctx.ledger.get(parseSeq(seq))).envelope;
    },
    /** Receipts with from ≤ seq < to, at most MAX_RANGE of them; `to` past the head stops at the head. */
    async receipts(from, to) {
      const end = Math.min(parseSeq(to), ctx.ledger.head().size);
      const start = Math.min(parseSeq(from), end);
      return (await ctx.ledger.range(start, end, MAX_RANGE)).map((l) => l.envelope);
    },
    ...(ctx.transparency === undefined ? {} : transparencyServices(ctx.transparency)),
    wellKnown: async () => description,
    async ready(): Promise<Readiness> {
      const [chain, jwks] = await Promise.all([probe(probes.chain), probe(probes.jwks)]);
      const checks: Record<string, "ok" | "down"> = { chain, jwks, ledger: "ok" };
      if (probes.anchor !== undefined) checks.anchor = await probe(probes.anchor);
      return { ready: chain === "ok" && jwks === "ok", checks };
    },
  };
}

/** The checkpoint and proof routes' services over the transparency log. */
function transparencyServices(
  log: TransparencyLog,
): Pick<GatewayServices, "checkpoint" | "inclusionProof" | "consistencyProof"> {
  return {
    checkpoint: () => log.checkpoint(),
    inclusionProof: (seq, treeSize) => log.inclusion(seq, treeSize),
    consistencyProof: (from, to) => log.consistency(from, to),
  };
}

function parseSeq(seq: string): number {
  if (!DECIMAL.test(seq))
    throw new GatewayError("QUERY_INVALID", 400, `expected a decimal receipt seq, got ${seq.slice(0, 32)}`);
  return Number(seq);
}

async function probe(check: () => Promise<unknown>): Promise<"ok" | "down"> {
  try {
    await check();
    return "ok";
  } catch {
    return "down";
  }
}
