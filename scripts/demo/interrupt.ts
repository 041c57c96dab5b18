/**
 * How the demo stops when it is told to (SIGINT, SIGTERM) or something escapes (an unhandled rejection or an
 * uncaught exception): the same teardown as a normal finish, then exit. A second signal while tearing down forces
 * the exit at once.
 */
import { signalChildren } from "./children";

/** The exit status of a process ended by `signal` (128 + its number). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === "SIGINT" ? 130 : signal === "SIGTERM" ? 143 : 1;
}

/** What to do on an interruption: tear down (bounded), then the caller's exit. */
export type Teardown = (reason: string) => Promise<void>;

/**
 * Installs the handlers; returns a function that removes them. `teardown` runs once; `exit` gets the status.
 */
export function onInterrupt(teardown: Teardown, exit: (code: number) => void): () => void {
  let stopping = false;
  const stop = (reason: string, code: number) => {
    stopping = true;
    void teardown(reason).finally(() => exit(code));
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      // Asked again while stopping: force it.
      signalChildren("SIGKILL");
      exit(signalExitCode(signal));
      return;
    }
    stop(signal === "SIGINT" ? "interrupted (SIGINT)" : "terminated (SIGTERM)", signalExitCode(signal));
  };
  // Something escaping while the teardown runs (it is winding things down) must not cut the teardown short.
  const onEscape = (err: unknown) => {
    if (!stopping) stop(`unexpected failure: ${describe(err)}`, 1);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("unhandledRejection", onEscape);
  process.on("uncaughtException", onEscape);
  return () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("unhandledRejection", onEscape);
    process.off("uncaughtException", onEscape);
  };
}

/** A short, one-line description of a failure (its code when it has one). */
export function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const first = err.message.split("\n")[0] ?? "";
    return typeof code === "string" ? `${code}: ${first}` : first;
  }
  return String(err);
}
