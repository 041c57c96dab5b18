import { createHash } from "node:crypto";
import { mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

import { decodeBase64Strict, encodeBase64 } from "../protocol/transparency";
import { WITNESS_STATE_INVALID, witnessError } from "./codes";

/** What a witness remembers of one log: the last checkpoint it cosigned. */
export interface WitnessRecord {
  readonly origin: string;
  readonly treeSize: number;
  readonly rootHash: Uint8Array;
  /** The cosignature's time (Unix seconds). */
  readonly cosignedAt: number;
  /** The signed checkpoint note the witness cosigned, as the log sent it (evidence in a dispute). */
  readonly note: string;
}

/** Where a witness keeps its records; injected so tests can use memory or a failing store. */
export interface WitnessStateStore {
  get(origin: string): Promise<WitnessRecord | undefined>;
  /** Replaces the record atomically: after a crash, the old or the new record is there, never a mix. */
  put(record: WitnessRecord): Promise<void>;
  /**
   * Runs `task` alone: no other task of this store (in this process or, for the file store, any process) runs
   * between its read and its write. Two witnesses interleaving could each check against a stale record.
   */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
}

/** In-process serialization: each task starts after the previous one settled. */
function serializer(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}

/** Name of the lock file a file store holds while a task runs. */
export const LOCK_FILE = "witness.lock";

const fileSchema = z
  .object({
    version: z.literal(1),
    origin: z.string().min(1),
    treeSize: z.string().regex(/^(0|[1-9][0-9]{0,15})$/),
    rootHash: z.string(),
    cosignedAt: z.string().regex(/^(0|[1-9][0-9]{0,15})$/),
    note: z.string().min(1),
  })
  .strict();

/** The record's file name: sha256 of the origin, so any origin maps to a safe, fixed-length name. */
export function recordFileName(origin: string): string {
  return `${createHash("sha256").update(origin, "utf8").digest("hex")}.json`;
}

function decodeRecord(text: string, origin: string): WitnessRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw witnessError(WITNESS_STATE_INVALID, `the record of ${origin} is not JSON`, cause);
  }
  const parsed = fileSchema.safeParse(raw);
  const rootHash = parsed.success ? decodeBase64Strict(parsed.data.rootHash) : undefined;
  if (!parsed.success || rootHash?.length !== 32 || parsed.data.origin !== origin) {
    throw witnessError(WITNESS_STATE_INVALID, `the record of ${origin} is malformed or names another origin`);
  }
  const d = parsed.data;
  return { origin, treeSize: Number(d.treeSize), rootHash, cosignedAt: Number(d.cosignedAt), note: d.note };
}

/**
 * Takes the folder's lock file (created exclusively) for the task. A lock left by a crashed process stays: the
 * witness refuses (WITNESS_STATE_INVALID) until an operator who checked no witness runs removes it.
 */
async function withLockFile<T>(dir: string, task: () => Promise<T>): Promise<T> {
  const lock = path.join(dir, LOCK_FILE);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await (await open(lock, "wx", 0o600)).close();
  } catch (err) {
    const held = (err as NodeJS.ErrnoException).code === "EEXIST";
    const why = held ? `${lock} exists: another witness runs (or crashed; remove it once sure)` : `cannot lock ${dir}`;
    throw witnessError(WITNESS_STATE_INVALID, why, err);
  }
  try {
    return await task();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

/** A store of one JSON file per origin in `dir`, each replaced by write-fsync-rename-fsync(dir). */
export function fileWitnessState(dir: string): WitnessStateStore {
  const serial = serializer();
  return {
    exclusive: (task) => serial(() => withLockFile(dir, task)),
    async get(origin) {
      let text: string;
      try {
        text = await readFile(path.join(dir, recordFileName(origin)), "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw witnessError(WITNESS_STATE_INVALID, `cannot read the state of ${origin}`, err);
      }
      return decodeRecord(text, origin);
    },
    async put(record) {
      const body = JSON.stringify({
        version: 1,
        origin: record.origin,
        treeSize: String(record.treeSize),
        rootHash: encodeBase64(record.rootHash),
        cosignedAt: String(record.cosignedAt),
        note: record.note,
      });
      const final = path.join(dir, recordFileName(record.origin));
      const temp = `${final}.tmp`;
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        const file = await open(temp, "w", 0o600);
        try {
          await file.writeFile(`${body}\n`, "utf8");
          await file.sync();
        } finally {
          await file.close();
        }
        await rename(temp, final);
        const folder = await open(dir, "r");
        try {
          await folder.sync();
        } finally {
          await folder.close();
        }
      } catch (err) {
        throw witnessError(WITNESS_STATE_INVALID, `cannot write the state of ${record.origin}`, err);
      }
    },
  };
}

/** A store in memory (tests, dry runs). */
export function memoryWitnessState(): WitnessStateStore {
  const records = new Map<string, WitnessRecord>();
  return {
    exclusive: serializer(),
    get: async (origin) => records.get(origin),
    put: async (record) => {
      records.set(record.origin, record);
    },
  };
}
