import type { ChildProcess } from "node:child_process";

/**
 * Everything the bench started, stopped in reverse order exactly once: on success, on failure, and on
 * SIGINT/SIGTERM (Ctrl-C). Children are also SIGKILLed synchronously if the process exits some other way.
 */
export class BenchCleanup {
  private readonly steps: { name: string; run: () => Promise<unknown> }[] = [];
  private readonly children = new Set<ChildProcess>();
  private running: Promise<void> | undefined;

  /** Adds a step; steps run last-added first. */
  add(name: string, run: () => Promise<unknown>): void {
    this.steps.push({ name, run });
  }

  /** Remembers a child to SIGKILL if the bench exits before stopping it. */
  track(child: ChildProcess): void {
    this.children.add(child);
    child.once("exit", () => this.children.delete(child));
  }

  /** Runs every step once (later calls wait for the first); a failing step is reported and the rest still run. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.splice(0).reverse()) {
        try {
          await withTimeout(step.run(), 15_000, step.name);
        } catch (err) {
          process.stderr.write(`bench:gateway: cleanup of ${step.name} failed: ${(err as Error).message}\n`);
        }
      }
      this.killChildren();
    })();
    return this.running;
  }

  /** Stops everything on SIGINT/SIGTERM, then exits 130/143; kills leftover children on any exit. */
  installSignalHandlers(): void {
    const onSignal = (signal: NodeJS.Signals, code: number) => {
      process.stderr.write(`bench:gateway: ${signal}: stopping everything the bench started\n`);
      void this.run().finally(() => process.exit(code));
    };
    process.once("SIGINT", () => onSignal("SIGINT", 130));
    process.once("SIGTERM", () => onSignal("SIGTERM", 143));
    process.once("exit", () => this.killChildren());
  }

  private killChildren(): void {
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not stop within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
