/** What `npm run bench:gateway` measures and how much. */
export interface BenchGatewayOptions {
  /** Releases in the measured window (after warm-up): the sustained rate and the RSS growth are over these. */
  requests: number;
  /** Runners in flight at once, each releasing its own entitlement's steps one after another. */
  concurrency: number;
  /**
   * Releases before the measured window (excluded from every figure but peak RSS). The default is long enough
   * for the gateway's V8 heap to reach its working size under the default concurrency (about 2,000 releases
   * at 128 in flight), so RSS growth over the window shows retention, not the heap filling up once.
   */
  warmup: number;
  /** Sequential in-process releases (chain stubbed) for the overhead percentiles. */
  overheadRequests: number;
  /** Iterations of the raw-floor loop (verify + recover + encrypt). */
  floorIterations: number;
  /** Every n-th answer's JWE is decrypted and checked by the driver with the runner's worker key. */
  sampleEvery: number;
  /** Print one JSON object as the last line. */
  json: boolean;
  /** When set, the gateway process runs with `--cpu-prof` and writes its profile into this folder. */
  cpuProfDir: string | undefined;
}

const DEFAULTS: BenchGatewayOptions = {
  requests: 20_000,
  concurrency: 128,
  warmup: 3_000,
  overheadRequests: 2_000,
  floorIterations: 2_000,
  sampleEvery: 100,
  json: false,
  cpuProfDir: undefined,
};

const INTEGER_FLAGS = {
  "--requests": ["requests", 1, 1_000_000],
  "--concurrency": ["concurrency", 1, 1_024],
  "--warmup": ["warmup", 0, 1_000_000],
  "--overhead-requests": ["overheadRequests", 1, 1_000_000],
  "--floor-iterations": ["floorIterations", 1, 1_000_000],
  "--sample-every": ["sampleEvery", 1, 1_000_000],
} as const;

export const BENCH_GATEWAY_USAGE = `usage: npm run bench:gateway -- [--requests N] [--concurrency N] [--warmup N]
  [--overhead-requests N] [--floor-iterations N] [--sample-every N] [--cpu-prof DIR] [--json]`;

/** Parses the command line (also BENCH_JSON=1 for `--json`); throws with the usage on anything unknown. */
export function parseBenchGatewayArgs(argv: readonly string[], env: { BENCH_JSON?: string }): BenchGatewayOptions {
  const options: BenchGatewayOptions = { ...DEFAULTS, json: env.BENCH_JSON === "1" };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === "--json") {
      options.json = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value\n${BENCH_GATEWAY_USAGE}`);
    if (flag === "--cpu-prof") {
      options.cpuProfDir = value;
      continue;
    }
    const spec = INTEGER_FLAGS[flag as keyof typeof INTEGER_FLAGS];
    if (spec === undefined) throw new Error(`unknown option ${flag}\n${BENCH_GATEWAY_USAGE}`);
    const [name, min, max] = spec;
    const n = Number(value);
    if (!/^[0-9]+$/.test(value) || n < min || n > max) {
      throw new Error(`expected ${flag} to be a whole number in ${min}..${max}, got ${value}`);
    }
    options[name] = n;
  }
  return options;
}
