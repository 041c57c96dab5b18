import { type JsonWebKey, type KeyObject, createPublicKey } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { ProtocolError } from "../protocol/errors";
import { canonicalJson } from "../protocol/jcs";
import { GENESIS_PREV, type Hex, verifyLedgerBytes } from "../protocol/receipts";
import {
  type Checkpoint,
  decodeBase64Strict,
  ed25519NoteVerifier,
  leafHash,
  openCheckpoint,
  parseCheckpoint,
  parseNote,
  verifyInclusion,
} from "../protocol/transparency";
import { verifyBundlePath } from "./manifest";

/** What a gateway gives an exporter: its ledger lines in a range, its receipt key and GatewayKeys statement. */
export interface GatewayExport {
  readonly lines: Buffer[];
  readonly issuer: string;
  readonly receiptKey: KeyObject;
  readonly gatewayKeys: unknown;
}

const PAGE = 1000;

async function getJson(fetchImpl: typeof fetch, url: string): Promise<unknown> {
  const res = await fetchImpl(url, { signal: AbortSignal.timeout(60_000) });
  if (!res.ok)
    throw new ProtocolError("BUNDLE_SOURCE_UNAVAILABLE", `GET ${new URL(url).pathname} answered ${res.status}`);
  return res.json() as Promise<unknown>;
}

/** The gateway's receipt issuer, receipt key and GatewayKeys statement, from its well-known description. */
export async function describeGatewayForExport(
  baseUrl: string,
  fetchImpl: typeof fetch,
): Promise<Omit<GatewayExport, "lines">> {
  const described = (await getJson(fetchImpl, `${baseUrl}/.well-known/swarm-gateway.json`)) as {
    receiptIssuer?: unknown;
    keys?: { receipt?: { jwk?: unknown } };
    gatewayKeys?: unknown;
  };
  if (typeof described.receiptIssuer !== "string" || described.keys?.receipt?.jwk === undefined) {
    throw new ProtocolError(
      "BUNDLE_SOURCE_INVALID",
      "expected the gateway description's receiptIssuer and receipt key",
    );
  }
  let receiptKey: KeyObject;
  try {
    receiptKey = createPublicKey({ key: described.keys.receipt.jwk as JsonWebKey, format: "jwk" });
  } catch (cause) {
    throw new ProtocolError("BUNDLE_SOURCE_INVALID", "expected the receipt key as an Ed25519 JWK", { cause });
  }
  return { issuer: described.receiptIssuer, receiptKey, gatewayKeys: described.gatewayKeys };
}

/**
 * Reads receipts [from, to) from a gateway (`GET /v1/receipts`, paged; stops at its head) and, for a range from
 * seq 0, verifies them before they go into a bundle: an exporter never packages what it could not verify.
 */
export async function collectReceipts(
  baseUrl: string,
  fetchImpl: typeof fetch,
  range: { from: number; to: number },
  gateway: Omit<GatewayExport, "lines">,
): Promise<Buffer[]> {
  const lines: Buffer[] = [];
  for (let from = range.from; from < range.to; from += PAGE) {
    const to = Math.min(range.to, from + PAGE);
    const page = (await getJson(fetchImpl, `${baseUrl}/v1/receipts?from=${from}&to=${to}`)) as { receipts?: unknown };
    if (!Array.isArray(page.receipts)) throw new ProtocolError("BUNDLE_SOURCE_INVALID", "expected {receipts: [...]}");
    for (const envelope of page.receipts) lines.push(Buffer.from(canonicalJson(envelope), "utf8"));
    if (page.receipts.length < to - from) break;
  }
  if (range.from === 0) {
    const data = Buffer.concat(lines.flatMap((l) => [l, Buffer.from("\n")]));
    verifyLedgerBytes(data, {
      issuer: gateway.issuer,
      key: gateway.receiptKey,
      firstSeq: 0,
      firstPrev: GENESIS_PREV as Hex,
    });
  }
  return lines;
}

/** describeGatewayForExport then collectReceipts. */
export async function collectFromGateway(
  baseUrl: string,
  fetchImpl: typeof fetch,
  range: { from: number; to: number },
): Promise<GatewayExport> {
  const gateway = await describeGatewayForExport(baseUrl, fetchImpl);
  return { ...gateway, lines: await collectReceipts(baseUrl, fetchImpl, range, gateway) };
}

/** Every file under an evidence folder (e.g. `<entitlementId>/`), as artifacts with paths relative to `root`. */
export async function collectEvidence(root: string, sub: string): Promise<{ path: string; bytes: Buffer }[]> {
  const out: { path: string; bytes: Buffer }[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
      const path = `${rel}/${entry.name}`;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) out.push({ path: verifyBundlePath(path), bytes: await readFile(join(root, path)) });
    }
  };
  await walk(verifyBundlePath(sub));
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** The gateway's current checkpoint (`GET /v1/checkpoint`), verified under `logKey`; undefined when it has none. */
export async function collectCheckpoint(
  baseUrl: string,
  fetchImpl: typeof fetch,
  logKey: KeyObject,
): Promise<{ note: string; checkpoint: Checkpoint } | undefined> {
  const res = await fetchImpl(`${baseUrl}/v1/checkpoint`, { signal: AbortSignal.timeout(60_000) });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new ProtocolError("BUNDLE_SOURCE_UNAVAILABLE", `GET /v1/checkpoint answered ${res.status}`);
  const note = await res.text();
  const origin = parseCheckpoint(parseNote(note).text).origin;
  const { checkpoint } = openCheckpoint(note, ed25519NoteVerifier(origin, logKey), origin);
  return { note, checkpoint };
}

/** One inclusion proof per line (`GET /v1/proofs/inclusion`), each checked against the checkpoint before use. */
export async function collectInclusion(
  baseUrl: string,
  fetchImpl: typeof fetch,
  lines: readonly Buffer[],
  firstSeq: number,
  checkpoint: Checkpoint,
): Promise<Uint8Array[][]> {
  const proofs: Uint8Array[][] = [];
  for (let i = 0; i < lines.length; i++) {
    const seq = firstSeq + i;
    const answer = (await getJson(
      fetchImpl,
      `${baseUrl}/v1/proofs/inclusion?seq=${seq}&treeSize=${checkpoint.treeSize}`,
    )) as {
      proof?: unknown;
    };
    const proof = Array.isArray(answer.proof) ? answer.proof.map((h) => decodeBase64Strict(String(h))) : [undefined];
    if (proof.some((p) => p === undefined))
      throw new ProtocolError("BUNDLE_SOURCE_INVALID", "expected base64 proof hashes");
    const path = proof as Uint8Array[];
    verifyInclusion({
      leafHash: leafHash(lines[i]!),
      index: seq,
      treeSize: checkpoint.treeSize,
      proof: path,
      root: checkpoint.rootHash,
    });
    proofs.push(path);
  }
  return proofs;
}
