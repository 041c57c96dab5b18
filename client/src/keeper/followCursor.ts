import type { Logger } from "pino";

import type { MarketReader } from "../chain/clients";
import { type ConsumedStep, byEntitlementThenStep, stepKey } from "./consumedStep";
import type { KeeperCursor } from "./cursor";
import { readBlockHash, readHead, safeHead, scanConsumed } from "./follow";
import type { KeeperMetrics } from "./metrics";

/** How the cursor follows the chain. */
export interface FollowOptions {
  readonly reader: MarketReader;
  readonly startBlock: bigint;
  readonly confirmations: number;
  readonly maxBlockRange: bigint;
  readonly reorgRewindBlocks: bigint;
  /** Whether a found step is one this keeper follows (its offer filter). */
  readonly wanted: (step: ConsumedStep) => Promise<boolean>;
  readonly logger: Pick<Logger, "info" | "warn">;
  readonly metrics?: KeeperMetrics;
}

/**
 * The cursor after one look at the chain: first, if the last scanned block's hash changed (a reorg deeper than the
 * confirmation depth), rewind `reorgRewindBlocks`; then scan the StepConsumed events of the blocks now at least
 * `confirmations` deep and merge them into the pending steps (a re-found step replaces its entry). Returns the same
 * cursor object when nothing changed.
 */
export async function followCursor(
  cursor: KeeperCursor,
  o: FollowOptions,
): Promise<{ cursor: KeeperCursor; head: bigint; scannedTo: bigint | undefined; found: number }> {
  let c = cursor;
  const client = o.reader.publicClient;
  const head = await readHead(client);
  if (c.lastBlock !== undefined && c.lastBlock.number <= head) {
    const hash = await readBlockHash(client, c.lastBlock.number);
    if (hash.toLowerCase() !== c.lastBlock.hash.toLowerCase()) {
      const back = c.lastBlock.number - o.reorgRewindBlocks;
      const nextBlock = back > o.startBlock ? back : o.startBlock;
      o.logger.warn({ block: c.lastBlock.number.toString(), rewindTo: nextBlock.toString() }, "reorg: rescanning");
      o.metrics?.reorgs.inc();
      c = { ...c, nextBlock, lastBlock: undefined };
    }
  }
  const safe = safeHead(head, o.confirmations);
  if (safe === undefined || safe < c.nextBlock) return { cursor: c, head, scannedTo: undefined, found: 0 };
  const found: ConsumedStep[] = [];
  for (const e of await scanConsumed(o.reader, c.nextBlock, safe, o.maxBlockRange)) {
    if (await o.wanted(e)) found.push(e);
  }
  const byKey = new Map(c.pending.map((p) => [stepKey(p), p]));
  for (const e of found) byKey.set(stepKey(e), e);
  const lastBlock = { number: safe, hash: await readBlockHash(client, safe) };
  if (found.length > 0) o.logger.info({ found: found.length, to: safe.toString() }, "consumed steps found");
  return {
    cursor: { ...c, nextBlock: safe + 1n, lastBlock, pending: [...byKey.values()].sort(byEntitlementThenStep) },
    head,
    scannedTo: safe,
    found: found.length,
  };
}
