import { type Hex, bytesToHex } from "viem";

import { GatewayError } from "../errors";
import type { AnchorChain, AnchorHead } from "./anchorChain";
import type { AnchorRecord } from "./anchorRecord";
import type { AnchorRecords } from "./anchorRecords";
import { ANCHOR_CODES, anchorError } from "./codes";
import type { RootHistory, RootSource } from "./rootSource";

/** What one anchoring round did. */
export type AnchorOutcome = { kind: "idle"; treeSize: number } | { kind: "anchored"; records: AnchorRecord[] };

/** Where the anchorer stands: what is anchored, how much is queued, and whether the last rounds failed. */
export interface AnchorStatus {
  lastEpoch: number;
  anchoredTreeSize: number;
  /** Ledger lines not yet under an anchored root (as of the last round that read the root). */
  unanchored: number;
  consecutiveFailures: number;
  lastError: string | undefined;
}

/** Timers, injected so tests drive the schedule. */
export interface AnchorTimers {
  set(run: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** A notable anchoring event, for the caller's log (no secrets in it). */
export type AnchorLogEvent =
  | { event: "anchored"; epoch: string; treeSize: string; transactionHash: Hex; recovered: boolean }
  | { event: "failed"; code: string; message: string; retryInMs: number };

export interface AnchorerOptions {
  rootSource: RootSource;
  /** The root of the ledger's first `treeSize` lines: epochs recovered from the chain must match it. */
  rootAt: RootHistory;
  chain: AnchorChain;
  records: AnchorRecords;
  /** Time between rounds when the last one succeeded. */
  intervalMs: number;
  /** First retry delay after a failure; doubles per consecutive failure, up to `intervalMs`. Default 1 000. */
  retryBaseMs?: number;
  timers: AnchorTimers;
  log?: (e: AnchorLogEvent) => void;
}

/** Anchors the ledger's root on a schedule; never in a release's path. */
export interface Anchorer {
  /** One round now: recover epochs the chain has and the records miss, then anchor the current root if it grew. */
  tick(): Promise<AnchorOutcome>;
  /** Starts the schedule: the first round one interval from now, then every interval (backoff after failures). */
  start(): void;
  /** Stops the schedule and waits for a round in progress. */
  stop(): Promise<void>;
  status(): AnchorStatus;
}

const toHex32 = (root: Uint8Array): Hex => bytesToHex(root);

/** The record of an epoch the chain holds. */
function recordOf(
  chain: AnchorChain,
  prevRoot: Hex,
  e: AnchorHead & { transactionHash: Hex; blockNumber: bigint },
): AnchorRecord {
  return {
    epoch: e.epoch.toString(),
    treeSize: e.treeSize.toString(),
    root: e.root.toLowerCase(),
    prevRoot: prevRoot.toLowerCase(),
    chainId: chain.chainId.toString(),
    contract: chain.contract.toLowerCase(),
    issuer: chain.issuer.toLowerCase(),
    transactionHash: e.transactionHash.toLowerCase(),
    blockNumber: e.blockNumber.toString(),
  };
}

/**
 * Creates the anchorer. Each round reads the chain's head for this issuer first, so the epoch and prevRoot it sends
 * come from the contract, never from memory: a crash after a transaction was mined but before its record was
 * written is repaired from the contract's `Anchored` events. A failure leaves the new lines unanchored (queued)
 * and retries with exponential backoff; nothing here is awaited by a release.
 */
export function createAnchorer(o: AnchorerOptions): Anchorer {
  const retryBase = o.retryBaseMs ?? 1_000;
  let failures = 0;
  let lastError: string | undefined;
  let lastSeenSize = 0;
  let timer: unknown;
  let running: Promise<unknown> | undefined;
  let stopped = true;

  /** Throws DIVERGED unless an epoch found on-chain anchors a prefix of this ledger (not another ledger's tree). */
  async function verifyOurs(e: AnchorHead, ledgerSize: number): Promise<void> {
    const ours = e.treeSize <= BigInt(ledgerSize) ? toHex32(await o.rootAt(Number(e.treeSize))) : undefined;
    if (ours !== e.root.toLowerCase()) {
      throw anchorError(
        ANCHOR_CODES.DIVERGED,
        `epoch ${e.epoch} on-chain anchors a tree of ${e.treeSize} lines that is not this ledger's`,
      );
    }
  }

  async function recover(
    head: AnchorHead,
    last: AnchorRecord | undefined,
    ledgerSize: number,
  ): Promise<AnchorRecord[]> {
    const lastEpoch = last === undefined ? 0n : BigInt(last.epoch);
    if (head.epoch < lastEpoch || (head.epoch === lastEpoch && last !== undefined && head.root !== last.root)) {
      throw anchorError(
        ANCHOR_CODES.DIVERGED,
        `chain head epoch ${head.epoch} does not extend the recorded epoch ${lastEpoch} (wrong contract or reorg)`,
      );
    }
    if (head.epoch === lastEpoch) return [];
    const events = await o.chain.events(lastEpoch + 1n, head.epoch);
    const recovered: AnchorRecord[] = [];
    let prevRoot: Hex = (last?.root as Hex | undefined) ?? `0x${"0".repeat(64)}`;
    for (let epoch = lastEpoch + 1n; epoch <= head.epoch; epoch++) {
      const e = events.find((x) => x.epoch === epoch);
      if (e === undefined) throw anchorError(ANCHOR_CODES.DIVERGED, `no Anchored event found for epoch ${epoch}`);
      await verifyOurs(e, ledgerSize);
      const record = recordOf(o.chain, prevRoot, e);
      await o.records.append(record);
      recovered.push(record);
      prevRoot = e.root;
    }
    return recovered;
  }

  async function round(): Promise<AnchorOutcome> {
    const snapshot = await o.rootSource();
    lastSeenSize = snapshot.treeSize;
    const last = o.records.last();
    if (last !== undefined && BigInt(last.treeSize) === BigInt(snapshot.treeSize)) {
      return { kind: "idle", treeSize: snapshot.treeSize };
    }
    const head = await o.chain.head();
    const recovered = await recover(head, last, snapshot.treeSize);
    for (const r of recovered) {
      o.log?.({
        event: "anchored",
        epoch: r.epoch,
        treeSize: r.treeSize,
        transactionHash: r.transactionHash as Hex,
        recovered: true,
      });
    }
    if (head.treeSize >= BigInt(snapshot.treeSize)) {
      return recovered.length > 0
        ? { kind: "anchored", records: recovered }
        : { kind: "idle", treeSize: snapshot.treeSize };
    }
    const root = toHex32(snapshot.root);
    const epoch = head.epoch + 1n;
    const treeSize = BigInt(snapshot.treeSize);
    const mined = await o.chain.anchor(epoch, head.root, root, treeSize);
    const record = recordOf(o.chain, head.root, { epoch, root, treeSize, ...mined });
    await o.records.append(record);
    o.log?.({
      event: "anchored",
      epoch: record.epoch,
      treeSize: record.treeSize,
      transactionHash: mined.transactionHash,
      recovered: false,
    });
    return { kind: "anchored", records: [...recovered, record] };
  }

  function schedule(ms: number): void {
    if (stopped) return;
    timer = o.timers.set(() => {
      timer = undefined;
      void tick().then(
        () => schedule(o.intervalMs),
        () => schedule(Math.min(o.intervalMs, retryBase * 2 ** Math.min(failures - 1, 30))),
      );
    }, ms);
  }

  async function tick(): Promise<AnchorOutcome> {
    // Rounds never overlap: a scheduled round waits for a manual one and the other way round.
    const run = (running ?? Promise.resolve()).then(round, round);
    running = run.catch(() => undefined);
    try {
      const outcome = await run;
      failures = 0;
      lastError = undefined;
      return outcome;
    } catch (err) {
      failures += 1;
      const code = err instanceof GatewayError ? err.code : "ANCHOR_FAILED";
      lastError = code;
      o.log?.({
        event: "failed",
        code,
        message: err instanceof Error ? err.message : String(err),
        retryInMs: Math.min(o.intervalMs, retryBase * 2 ** Math.min(failures - 1, 30)),
      });
      throw err;
    }
  }

  return {
    tick,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(o.intervalMs);
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) o.timers.clear(timer);
      timer = undefined;
      await running;
    },
    status() {
      const last = o.records.last();
      const anchoredTreeSize = last === undefined ? 0 : Number(last.treeSize);
      return {
        lastEpoch: last === undefined ? 0 : Number(last.epoch),
        anchoredTreeSize,
        unanchored: Math.max(0, lastSeenSize - anchoredTreeSize),
        consecutiveFailures: failures,
        lastError,
      };
    },
  };
}
