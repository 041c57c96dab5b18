/**
 * The demo's keeper: the SDK keeper (`client/src/keeper`, what `swarm keeper run` runs) following the market from
 * its deploy block, reading evidence from the demo's evidence folder, asking the demo's verifier service for
 * signatures, and polling every quarter second. The flow waits on its events ("step 2 claimed") instead of acting
 * itself. Its cursor is written to the output folder, its JSON log to keeper.log.
 */
import { createWriteStream } from "node:fs";
import pino from "pino";

import type { MarketWriter } from "../../client/src/chain/clients";
import {
  type ActionResult,
  Keeper,
  type KeeperAction,
  type KeeperEvent,
  type Quorum,
  fileCursorStore,
  folderEvidenceSource,
  httpAttestationSource,
} from "../../client/src/keeper";
import type { Clock } from "../../client/src/protocol/clock";
import type { VerifierClient } from "../../client/src/verify";

/** The keeper polls this often: everything is local. */
const POLL_MS = 250;
/** How long the flow waits for one keeper action before giving up. */
const WAIT_MS = 60_000;

/** A keeper action the flow waited for. */
export interface KeeperDone {
  readonly result: ActionResult;
  readonly quorum?: Quorum;
}

/** The running keeper. */
export interface DemoKeeper {
  /** Resolves when the keeper has done `action` for `step` (sent by it, or found already done). */
  waitFor(action: KeeperAction, step: number): Promise<KeeperDone>;
  /** The last reason it could not claim yet, per step (for a failure message). */
  lastRetry(step: number): string | undefined;
  /** Stops the loop (once; later calls wait for the same stop); resolves to the steps still pending. */
  stop(): Promise<number>;
}

/** What the keeper runs with. */
export interface DemoKeeperOptions {
  readonly writer: MarketWriter;
  readonly chainId: bigint;
  readonly startBlock: bigint;
  readonly evidenceDir: string;
  readonly verifier: { readonly name: string; readonly client: VerifierClient };
  readonly cursorFile: string;
  readonly logFile: string;
  readonly clock: Clock;
}

/** Starts the keeper loop in the background. */
export function startDemoKeeper(options: DemoKeeperOptions): DemoKeeper {
  const done = new Map<string, KeeperDone>();
  const waiters = new Map<string, ((d: KeeperDone) => void)[]>();
  const retries = new Map<number, string>();
  const onEvent = (e: KeeperEvent) => {
    if (e.kind === "retry") return void retries.set(e.step, `${e.code}: ${e.message}`);
    const key = `${e.action}/${e.step}`;
    const value: KeeperDone = { result: e.result, ...(e.quorum === undefined ? {} : { quorum: e.quorum }) };
    done.set(key, value);
    for (const resolve of waiters.get(key) ?? []) resolve(value);
    waiters.delete(key);
  };
  const log = createWriteStream(options.logFile, { flags: "a", mode: 0o600 });
  const keeper = new Keeper({
    writer: options.writer,
    chainId: options.chainId,
    startBlock: options.startBlock,
    confirmations: 0,
    cursor: fileCursorStore(options.cursorFile),
    evidence: folderEvidenceSource(options.evidenceDir),
    attestations: [httpAttestationSource(options.verifier.name, options.verifier.client)],
    clock: options.clock,
    logger: pino({ level: "info", base: { role: "keeper" } }, log),
    backoff: { initialMs: 250, maxMs: 2_000, factor: 2 },
    onEvent,
  });
  const controller = new AbortController();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      controller.signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
    });
  let stopping: Promise<number> | undefined;
  const running = keeper.run({ signal: controller.signal, pollMs: POLL_MS, sleep });
  running.catch(() => undefined); // surfaced by stop()
  return {
    waitFor(action, step) {
      const key = `${action}/${step}`;
      const known = done.get(key);
      if (known !== undefined) return Promise.resolve(known);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const why = retries.get(step);
          reject(new Error(`the keeper did not ${action} step ${step} in time${why ? ` (last: ${why})` : ""}`));
        }, WAIT_MS);
        const list = waiters.get(key) ?? [];
        list.push((d) => (clearTimeout(timer), resolve(d)));
        waiters.set(key, list);
      });
    },
    lastRetry: (step) => retries.get(step),
    stop() {
      stopping ??= (async () => {
        controller.abort();
        await running;
        await new Promise<void>((resolve) => log.end(resolve));
        return keeper.cursor?.pending.length ?? 0;
      })();
      return stopping;
    },
  };
}
