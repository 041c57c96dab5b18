/**
 * What the bench's main process and its load driver (a separate process) exchange: the work file the main
 * process writes (one JSON line per runner) and the IPC messages between them.
 */

/** One release: a fresh runner token and the POST /v1/caps body for the next step of the runner's entitlement. */
export interface WorkItem {
  token: string;
  body: {
    permit: Record<string, string>;
    signature: string;
    workerKey: { kty: string; crv: string; x: string };
    policy: { hash: string };
  };
  /** Present on sampled items: what the driver checks the decrypted JWE against (digest computed by the bench). */
  expect?: { entitlementId: string; step: number; permitDigest: `0x${string}` };
}

/** One runner: its worker key (PKCS#8 PEM, a bench-only key) and its releases, in the order it must send them. */
export interface RunnerWork {
  runner: number;
  workerKeyPem: string;
  items: WorkItem[];
  /** Fresh tokens of the runner's run for asking again after a 503. */
  spareTokens: string[];
}

/** main → driver: where the gateway is and what to send. */
export interface DriverStart {
  type: "start";
  url: string;
  workFile: string;
  /** Completions before the measured window opens. */
  warmup: number;
  /** Completions in the measured window. */
  measured: number;
}

/** driver → main. `warm` and `measured` are sent the moment those completion counts are reached. */
export type DriverMessage =
  | { type: "ready"; runners: number; items: number }
  | { type: "warm" }
  | { type: "measured" }
  | { type: "progress"; completed: number; failed: number }
  | { type: "done"; result: DriverResult }
  | { type: "error"; message: string };

/** What the driver saw. Times are the driver's `performance.now()` milliseconds. */
export interface DriverResult {
  completed: number;
  released: number;
  /** Releases answered as re-deliveries (after a 503 whose consume had reached the chain). */
  redeliveries: number;
  /** Distinct consume transactions the releases came from (released / this = mean batch size). */
  consumeTransactions: number;
  /** Failed requests by error code (or HTTP status / client error); every one fails the bench. */
  failures: Record<string, number>;
  /** The first few distinct failure messages, for diagnosis. */
  failureMessages: string[];
  /** 503s answered and asked again (with a fresh token), by code: released nothing, cost a retry. */
  retries: Record<string, number>;
  /** The measured window: from the warm-up-th completion to the (warm-up + measured)-th. */
  windowMs: number | null;
  measuredInWindow: number;
  /** Client-side latency of the requests that completed inside the window (includes the chain). */
  e2eP50Ms: number | null;
  e2eP99Ms: number | null;
  samplesDecrypted: number;
  driverCpuMs: number;
}
