/**
 * The keeper's cursor: the next block to scan, the last scanned block's hash (to notice a reorg deeper than the
 * confirmation depth) and the consumed steps not yet settled or refunded. Written atomically (a fresh file beside
 * it, fsync, rename), so a keeper killed at any point restarts from a whole cursor, old or new.
 */
import { randomBytes } from "node:crypto";
import { open, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import { type Hex, getAddress, isAddressEqual } from "viem";
import { z } from "zod";

import {
  type ConsumedStep,
  type MarketRef,
  consumedStepFromJson,
  consumedStepJson,
  consumedStepToJson,
} from "./consumedStep";
import { KeeperErrorCode, keeperFail } from "./errors";

/** The only cursor format this code reads and writes. */
export const CURSOR_VERSION = "swarm/keeper-cursor/v1";
/** Largest cursor file read back, in bytes. */
export const CURSOR_MAX_BYTES = 16 * 1024 * 1024;

/** Where the keeper stands. */
export interface KeeperCursor {
  readonly chainId: bigint;
  readonly market: Hex;
  /** The first block not yet scanned. */
  readonly nextBlock: bigint;
  /** The last block scanned and its hash, or undefined before the first scan. */
  readonly lastBlock: { readonly number: bigint; readonly hash: Hex } | undefined;
  /** Consumed steps not yet Settled or Refunded, ascending. */
  readonly pending: readonly ConsumedStep[];
}

const decimal = z.string().regex(/^(0|[1-9][0-9]{0,77})$/, "a decimal string");
const cursorJson = z.strictObject({
  version: z.literal(CURSOR_VERSION),
  chainId: decimal,
  market: z.string().regex(/^0x[0-9a-f]{40}$/, "a lowercase address"),
  nextBlock: decimal,
  lastBlock: z.union([
    z.null(),
    z.strictObject({ number: decimal, hash: z.string().regex(/^0x[0-9a-f]{64}$/, "a block hash") }),
  ]),
  pending: z.array(consumedStepJson),
});

/** The cursor's bytes: pretty JSON, one trailing newline. */
export function serializeCursor(c: KeeperCursor): string {
  const json: z.infer<typeof cursorJson> = {
    version: CURSOR_VERSION,
    chainId: c.chainId.toString(),
    market: c.market.toLowerCase(),
    nextBlock: c.nextBlock.toString(),
    lastBlock: c.lastBlock === undefined ? null : { number: c.lastBlock.number.toString(), hash: c.lastBlock.hash },
    pending: c.pending.map(consumedStepToJson),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** Parses a cursor and checks it is for `expected` (a cursor of another chain or market is refused). */
export function parseCursor(text: string, expected: MarketRef): KeeperCursor {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    keeperFail(KeeperErrorCode.CURSOR_INVALID, "expected the cursor file to be JSON", cause);
  }
  const parsed = cursorJson.safeParse(raw);
  if (!parsed.success) {
    keeperFail(KeeperErrorCode.CURSOR_INVALID, `cursor file: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  }
  const j = parsed.data;
  if (BigInt(j.chainId) !== expected.chainId || !isAddressEqual(getAddress(j.market), expected.market)) {
    keeperFail(
      KeeperErrorCode.CURSOR_INVALID,
      `expected a cursor of chain ${expected.chainId} market ${expected.market.toLowerCase()}, got chain ${j.chainId} market ${j.market}`,
    );
  }
  return {
    chainId: BigInt(j.chainId),
    market: j.market as Hex,
    nextBlock: BigInt(j.nextBlock),
    lastBlock: j.lastBlock === null ? undefined : { number: BigInt(j.lastBlock.number), hash: j.lastBlock.hash as Hex },
    pending: j.pending.map(consumedStepFromJson),
  };
}

/** Where a cursor lives. */
export interface CursorStore {
  /** The saved cursor, or undefined when none was saved yet. */
  load(expected: MarketRef): Promise<KeeperCursor | undefined>;
  /** Replaces the saved cursor, atomically. */
  save(cursor: KeeperCursor): Promise<void>;
}

/** A cursor store over one file, written atomically (temporary file, fsync, rename). */
export function fileCursorStore(file: string): CursorStore {
  return {
    async load(expected) {
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch (cause) {
        if ((cause as { code?: unknown }).code === "ENOENT") return undefined;
        keeperFail(KeeperErrorCode.CURSOR_INVALID, `cannot read the cursor file ${path.basename(file)}`, cause);
      }
      if (Buffer.byteLength(text) > CURSOR_MAX_BYTES) {
        keeperFail(KeeperErrorCode.CURSOR_INVALID, `expected a cursor file of at most ${CURSOR_MAX_BYTES} bytes`);
      }
      return parseCursor(text, expected);
    },
    async save(cursor) {
      const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
      const handle = await open(tmp, "wx", 0o600);
      try {
        await handle.writeFile(serializeCursor(cursor));
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await rename(tmp, file);
      } catch (cause) {
        await rm(tmp, { force: true });
        throw cause;
      }
    },
  };
}

/** An in-memory cursor store (tests, and a keeper that may rescan from its start block on restart). */
export function memoryCursorStore(): CursorStore & { readonly saved: () => KeeperCursor | undefined } {
  let saved: KeeperCursor | undefined;
  return {
    load: async () => saved,
    save: async (c) => void (saved = c),
    saved: () => saved,
  };
}
