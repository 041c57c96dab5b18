/**
 * Teardown of everything the demo starts: actions registered as things start, run once in reverse order, each
 * bounded in time so one stuck stop cannot keep the others (or the exit) waiting.
 */

/** One registered teardown action. */
interface CleanupAction {
  readonly name: string;
  readonly run: () => Promise<void>;
}

/** How long one teardown action may take before it is abandoned. */
export const CLEANUP_ACTION_TIMEOUT_MS = 10_000;

/** Runs `action`, giving up after `ms`; resolves to an error message, or undefined when it finished. */
async function bounded(action: CleanupAction, ms: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`${action.name}: did not finish within ${ms} ms`), ms);
  });
  try {
    return await Promise.race([action.run().then(() => undefined), timeout]);
  } catch (err) {
    return `${action.name}: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    clearTimeout(timer);
  }
}

/** What a teardown did: the actions that finished, and the problems of those that did not. */
export interface CleanupReport {
  readonly done: readonly string[];
  readonly failures: readonly string[];
}

/** A stack of teardown actions; `runAll` runs them once, last registered first. */
export class Cleanup {
  private readonly actions: CleanupAction[] = [];
  private running: Promise<CleanupReport> | undefined;

  /** Registers a teardown action (run before every action registered earlier). */
  add(name: string, run: () => Promise<void>): void {
    if (this.running !== undefined) throw new Error(`cleanup already started; cannot register ${name}`);
    this.actions.push({ name, run });
  }

  /** Runs every action once, in reverse order; a second call returns the first call's result. */
  runAll(timeoutMs = CLEANUP_ACTION_TIMEOUT_MS): Promise<CleanupReport> {
    this.running ??= (async () => {
      const done: string[] = [];
      const failures: string[] = [];
      for (const action of [...this.actions].reverse()) {
        const failure = await bounded(action, timeoutMs);
        if (failure === undefined) done.push(action.name);
        else failures.push(failure);
      }
      return { done, failures };
    })();
    return this.running;
  }
}
