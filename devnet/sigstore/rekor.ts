import { sign } from "node:crypto";

import { type Clock, epochSeconds } from "../../client/src/protocol/clock";
import { canonicalJson } from "../../client/src/protocol/jcs";
import { type CheckpointSigner, signCheckpoint } from "./checkpoint";
import { SigstoreRefusal } from "./http";
import type { EcKeyPair } from "./keys";
import { inclusionProof, leafHash, rootHash } from "./merkle";
import { canonicalizeProposedEntry } from "./rekorEntry";

/** Why the log refused. */
export const LOG_CODES = {
  ENTRY_EXISTS: "REKOR_ENTRY_EXISTS",
  ENTRY_NOT_FOUND: "REKOR_ENTRY_NOT_FOUND",
} as const;

/** A Rekor v1 log entry as the API returns it (`{ <uuid>: LogEntry }`). */
export interface LogEntry {
  body: string;
  integratedTime: number;
  logID: string;
  logIndex: number;
  verification: {
    signedEntryTimestamp: string;
    inclusionProof: { logIndex: number; treeSize: number; rootHash: string; hashes: string[]; checkpoint: string };
  };
}

/** One appended entry, as stored. */
interface Stored {
  body: Buffer;
  integratedTime: number;
  logIndex: number;
  signedEntryTimestamp: string;
}

/** An in-memory, append-only RFC 6962 log speaking Rekor v1's entry API. */
export interface TransparencyLog {
  /** Appends a proposed entry; a repeat of a stored body is refused (409) with the existing UUID. */
  append(proposed: unknown): { uuid: string; entry: LogEntry };
  /** An entry by UUID, with an inclusion proof at the current tree size. */
  get(uuid: string): LogEntry;
  readonly size: number;
  /** The current tree head: size, root (hex) and a signed checkpoint. */
  head(): { treeSize: number; rootHash: string; signedTreeHead: string };
}

/**
 * Creates the log. Each entry gets integratedTime from the injected clock, a signed entry timestamp (ECDSA over
 * the canonical JSON of body, integratedTime, logID and logIndex, as Rekor signs it) and, on every answer, an
 * inclusion proof against a checkpoint signed for the current tree.
 */
export function createTransparencyLog(options: {
  keys: EcKeyPair;
  logId: Buffer;
  origin: string;
  clock: Clock;
  /** The path entries are served under; a 409 names `<entryPath>/<uuid>` in its location header. */
  entryPath: string;
}) {
  const logIdHex = options.logId.toString("hex");
  const signer: CheckpointSigner = {
    origin: options.origin,
    keyHint: options.logId,
    privateKey: options.keys.privateKey,
  };
  const entries: Stored[] = [];
  const leaves: Buffer[] = [];
  const byUuid = new Map<string, number>();

  const render = (stored: Stored): LogEntry => {
    const root = rootHash(leaves);
    return {
      body: stored.body.toString("base64"),
      integratedTime: stored.integratedTime,
      logID: logIdHex,
      logIndex: stored.logIndex,
      verification: {
        signedEntryTimestamp: stored.signedEntryTimestamp,
        inclusionProof: {
          logIndex: stored.logIndex,
          treeSize: leaves.length,
          rootHash: root.toString("hex"),
          hashes: inclusionProof(stored.logIndex, leaves).map((h) => h.toString("hex")),
          checkpoint: signCheckpoint(signer, leaves.length, root),
        },
      },
    };
  };

  const log: TransparencyLog = {
    append(proposed) {
      const body = canonicalizeProposedEntry(proposed);
      const leaf = leafHash(body);
      const uuid = leaf.toString("hex");
      if (byUuid.has(uuid)) {
        throw new SigstoreRefusal(409, LOG_CODES.ENTRY_EXISTS, `an equivalent entry already exists with UUID ${uuid}`, {
          headers: { location: `${options.entryPath}/${uuid}` },
        });
      }
      const logIndex = entries.length;
      const integratedTime = epochSeconds(options.clock);
      const payload = { body: body.toString("base64"), integratedTime, logID: logIdHex, logIndex };
      const set = sign("sha256", Buffer.from(canonicalJson(payload), "utf8"), options.keys.privateKey);
      const stored = { body, integratedTime, logIndex, signedEntryTimestamp: set.toString("base64") };
      entries.push(stored);
      leaves.push(leaf);
      byUuid.set(uuid, logIndex);
      return { uuid, entry: render(stored) };
    },
    get(uuid) {
      const index = byUuid.get(uuid);
      if (index === undefined) throw new SigstoreRefusal(404, LOG_CODES.ENTRY_NOT_FOUND, `no entry with UUID ${uuid}`);
      return render(entries[index]!);
    },
    get size() {
      return entries.length;
    },
    head() {
      const root = rootHash(leaves);
      return {
        treeSize: leaves.length,
        rootHash: root.toString("hex"),
        signedTreeHead: signCheckpoint(signer, leaves.length, root),
      };
    },
  };
  return log;
}
