import { z } from "zod";

import { HASH_BYTES, MAX_NOTE_BYTES, decodeBase64Strict } from "../protocol/transparency";
import { WITNESS_FETCH_FAILED, witnessError } from "./codes";
import type { CosignRequest } from "./witness";
import type { WitnessStateStore } from "./witnessState";

/** How the witness reaches the gateway: its base URL, an injected fetch and a per-request timeout. */
export interface GatewayFeed {
  readonly baseUrl: string;
  readonly fetch: typeof fetch;
  readonly timeoutMs?: number;
}

const MAX_PROOF_BYTES = 64 * 1024;

const proofSchema = z
  .object({
    from: z.string().regex(/^[1-9][0-9]{0,15}$/),
    to: z.string().regex(/^[1-9][0-9]{0,15}$/),
    proof: z.array(z.string()).max(128),
  })
  .strict();

async function get(feed: GatewayFeed, pathAndQuery: string, limit: number): Promise<{ text: string; type: string }> {
  const url = new URL(pathAndQuery, feed.baseUrl.endsWith("/") ? feed.baseUrl : `${feed.baseUrl}/`);
  let res: Response;
  try {
    res = await feed.fetch(url, { signal: AbortSignal.timeout(feed.timeoutMs ?? 10_000), redirect: "error" });
  } catch (cause) {
    throw witnessError(WITNESS_FETCH_FAILED, `the gateway did not answer GET ${url.pathname}`, cause);
  }
  const text = await res.text().catch((cause: unknown) => {
    throw witnessError(WITNESS_FETCH_FAILED, `could not read the answer to GET ${url.pathname}`, cause);
  });
  if (!res.ok) throw witnessError(WITNESS_FETCH_FAILED, `GET ${url.pathname} answered ${res.status}`);
  if (Buffer.byteLength(text, "utf8") > limit) {
    throw witnessError(WITNESS_FETCH_FAILED, `GET ${url.pathname} answered more than ${limit} bytes`);
  }
  return { text, type: res.headers.get("content-type") ?? "" };
}

/** The gateway's latest signed checkpoint (`GET /v1/checkpoint`, text/plain). Not verified here. */
export async function fetchCheckpoint(feed: GatewayFeed): Promise<string> {
  const { text, type } = await get(feed, "v1/checkpoint", MAX_NOTE_BYTES);
  if (!type.startsWith("text/plain")) throw witnessError(WITNESS_FETCH_FAILED, `expected text/plain, got ${type}`);
  return text;
}

/** The consistency proof from `from` to `to` (`GET /v1/proofs/consistency`), decoded; its sizes must echo the ask. */
export async function fetchConsistencyProof(feed: GatewayFeed, from: number, to: number): Promise<Uint8Array[]> {
  const { text } = await get(feed, `v1/proofs/consistency?from=${from}&to=${to}`, MAX_PROOF_BYTES);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw witnessError(WITNESS_FETCH_FAILED, "expected a JSON consistency proof", cause);
  }
  const parsed = proofSchema.safeParse(raw);
  if (!parsed.success || parsed.data.from !== String(from) || parsed.data.to !== String(to)) {
    throw witnessError(WITNESS_FETCH_FAILED, `expected {from: "${from}", to: "${to}", proof: [base64…]}`);
  }
  return parsed.data.proof.map((h) => {
    const bytes = decodeBase64Strict(h);
    if (bytes?.length !== HASH_BYTES) throw witnessError(WITNESS_FETCH_FAILED, "expected base64 32-byte proof hashes");
    return bytes;
  });
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
