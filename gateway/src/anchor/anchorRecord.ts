import { z } from "zod";

import { canonicalJson } from "../../../client/src/protocol/jcs";

const decimal = z.string().regex(/^(0|[1-9][0-9]{0,19})$/);
const hash32 = z.string().regex(/^0x[0-9a-f]{64}$/);
const address = z.string().regex(/^0x[0-9a-f]{40}$/);

/**
 * One anchored epoch as the gateway records it beside its ledger (`anchors.ndjson`, one JCS line each), in the
 * project's JSON encoding: integers as decimal strings, hashes and addresses as 0x lowercase hex.
 */
export const anchorRecordSchema = z
  .object({
    /** EvidenceAnchor epoch number (1, 2, …). */
    epoch: decimal,
    /** Ledger lines under `root`. */
    treeSize: decimal,
    /** RFC 6962 root of the first `treeSize` ledger lines. */
    root: hash32,
    /** The root of the previous epoch (zero for epoch 1), as the contract checked it. */
    prevRoot: hash32,
    chainId: decimal,
    /** The EvidenceAnchor contract. */
    contract: address,
    /** The anchoring account: the gateway's address. */
    issuer: address,
    transactionHash: hash32,
    blockNumber: decimal,
  })
  .strict();

export type AnchorRecord = z.infer<typeof anchorRecordSchema>;

/** The record's line: its JCS bytes (no newline). */
export function anchorRecordLine(record: AnchorRecord): string {
  return canonicalJson(record);
}

/** Parses one line; undefined unless it is a valid record in exactly its canonical form. */
export function parseAnchorRecordLine(line: string): AnchorRecord | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  const parsed = anchorRecordSchema.safeParse(raw);
  if (!parsed.success || canonicalJson(parsed.data) !== line) return undefined;
  return parsed.data;
}
