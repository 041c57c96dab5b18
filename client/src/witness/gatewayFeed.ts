import { type GatewayTransparencyClient, createGatewayClient } from "../gateway/client";
import { WITNESS_FETCH_FAILED, witnessError } from "./codes";
import type { CosignRequest } from "./witness";
import type { WitnessStateStore } from "./witnessState";

/** How the witness reaches the gateway: its base URL, an injected fetch and a per-request timeout. */
export interface GatewayFeed {
  readonly baseUrl: string;
  readonly fetch: typeof fetch;
  readonly timeoutMs?: number;
}

/** The gateway client over the feed (it parses the answers strictly and never follows a redirect). */
function clientOf(feed: GatewayFeed): GatewayTransparencyClient {
  return createGatewayClient(feed.baseUrl.replace(/\/+$/, ""), feed.fetch, { timeoutMs: feed.timeoutMs ?? 10_000 });
}

/** Runs one client call; any failure (no answer, a refusal, a malformed answer) is WITNESS_FETCH_FAILED. */
async function fetched<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (cause) {
    const detail = cause instanceof Error ? `: ${cause.message}` : "";
    throw witnessError(WITNESS_FETCH_FAILED, `could not get ${what} from the gateway${detail}`, cause);
  }
}

/** The gateway's latest signed checkpoint (`GET /v1/checkpoint`, text/plain). Not verified here. */
export async function fetchCheckpoint(feed: GatewayFeed): Promise<string> {
  return (await fetched("the checkpoint", () => clientOf(feed).checkpoint())).note;
}

/** The consistency proof from `from` to `to` (`GET /v1/proofs/consistency`), decoded; its sizes must echo the ask. */
export async function fetchConsistencyProof(feed: GatewayFeed, from: number, to: number): Promise<Uint8Array[]> {
  return (await fetched("a consistency proof", () => clientOf(feed).consistencyProof(from, to))).proof;
}

/**
 * Fetches what the witness needs to cosign the gateway's latest checkpoint: the note, and the consistency proof
 * from the size it last cosigned (none for the first checkpoint, an equal size, or a smaller one, which the
 * witness then refuses). Sizes are read from the unverified note only to ask for the proof; the witness verifies.
 */
export async function fetchCosignRequest(
  feed: GatewayFeed,
  origin: string,
  state: WitnessStateStore,
): Promise<CosignRequest> {
  const note = await fetchCheckpoint(feed);
  const previous = await state.get(origin);
  const size = Number(/^[^\n]*\n(0|[1-9][0-9]{0,15})\n/.exec(note)?.[1] ?? Number.NaN);
  if (previous === undefined || previous.treeSize === 0 || !(size > previous.treeSize)) return { note, proof: [] };
  return { note, proof: await fetchConsistencyProof(feed, previous.treeSize, size) };
}
