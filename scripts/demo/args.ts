import path from "node:path";

/** The repository root (scripts/demo/ is two levels below it). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");
/** Where the demo writes its artifacts unless told otherwise. */
export const DEFAULT_OUT_DIR = path.join(REPO_ROOT, "demo-output");

/** What `npm run demo -- …` accepts. */
export interface DemoArgs {
  /** Absolute path of the output folder. */
  readonly out: string;
  readonly help: boolean;
}

/** A command line the demo cannot run with (exit code 2). */
export class DemoUsageError extends Error {
  override readonly name = "DemoUsageError";
}

/** The usage text printed by `--help` and after a usage error. */
export const DEMO_USAGE = `Usage: npm run demo [-- --out DIR]

Runs swarm end to end on this machine, with no network: a local Hardhat chain, the contracts, the development
OIDC issuer, the development Sigstore (Fulcio, Rekor, TSA) and the gateway, then plays seller, buyer, runner,
verifier, keeper and arbiter through three steps, a refused replay and a dispute.

Options:
  --out DIR   where the artifacts go (default: demo-output/ in the repository); an existing folder is
              replaced only if an earlier demo wrote it
  -h, --help  show this help`;

/** Parses the demo's arguments; relative paths are resolved against `cwd`. */
export function parseDemoArgs(argv: readonly string[], cwd: string): DemoArgs {
  let out = DEFAULT_OUT_DIR;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h" || arg === "--help") {
      help = true;
    } else if (arg === "--out" || arg.startsWith("--out=")) {
      const value = arg === "--out" ? argv[++i] : arg.slice("--out=".length);
      if (value === undefined || value === "" || value.startsWith("-")) {
        throw new DemoUsageError("expected a folder after --out");
      }
      out = path.resolve(cwd, value);
    } else {
      throw new DemoUsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  return { out, help };
}
