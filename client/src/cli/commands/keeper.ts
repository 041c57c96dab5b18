/**
 * `swarm keeper run`: the long-running keeper (client/src/keeper) wired from flags, environment and config;
 * `swarm keeper status`: what a cursor file holds. Secrets: the sender's key from SWARM_PRIVATE_KEY or
 * --key-file; the GitHub token from SWARM_GITHUB_TOKEN or GITHUB_TOKEN, never a flag.
 */
import path from "node:path";

import type { Command } from "commander";
import pino from "pino";

import { readChainId } from "../../chain/read";
import { isProtocolError } from "../../protocol/errors";
import {
  type AttestationSource,
  type EvidenceSource,
  Keeper,
  type KeeperAction,
  KeeperErrorCode,
  createKeeperMetrics,
  fileCursorStore,
  folderEvidenceSource,
  githubEvidenceSource,
  httpAttestationSource,
  startMetricsServer,
} from "../../keeper";
import { createVerifierClient } from "../../verify";
import { collect, parseCount, parseId } from "../args";
import { type CliContext, contextOf } from "../context";
import { usageError } from "../errors";

interface KeeperRunOptions {
  cursor?: string;
  depth?: string;
  evidenceDir?: string;
  githubRepo?: string;
  githubApiUrl?: string;
  verifierUrl?: string[];
  offer?: string[];
  disable?: string[];
  poll: string;
  metricsPort?: string;
  logLevel: string;
  once?: boolean;
}

const ACTIONS: readonly KeeperAction[] = ["claim", "finalize", "reclaim", "settleLapsed"];
const GITHUB_API = "https://api.github.com";

const HELP = `
Evidence: --evidence-dir DIR (the runner's layout, <DIR>/<entitlementId>/<step>/…) or --github-repo OWNER/NAME
(artifacts of the step's run + attestations by the certificate's digest; token from SWARM_GITHUB_TOKEN or
GITHUB_TOKEN). Verifiers: one --verifier-url per verifier service (\`swarm verify serve\`).

The keeper acts only on blocks at least --depth deep, keeps its place in --cursor (written atomically) and checks
every step's on-chain status before it sends anything: a restart or a second keeper never claims twice.

Examples:
  $ SWARM_PRIVATE_KEY=… swarm --network baseSepolia keeper run --github-repo acme/steps \\
      --verifier-url https://verifier-1.example --verifier-url https://verifier-2.example --metrics-port 9464
  $ swarm --chain-id 31337 --rpc-url http://127.0.0.1:8545 --market 0x… keeper run --evidence-dir evidence \\
      --verifier-url http://127.0.0.1:7070 --depth 0 --once --json
  $ swarm keeper status --cursor keeper-cursor.json --json`;

/** The evidence source the flags name (exactly one). */
function evidenceOf(ctx: CliContext, opts: KeeperRunOptions): EvidenceSource {
  if ((opts.evidenceDir === undefined) === (opts.githubRepo === undefined)) {
    throw usageError("CONFIG_MISSING", "expected exactly one evidence source", "pass --evidence-dir or --github-repo");
  }
  if (opts.evidenceDir !== undefined) return folderEvidenceSource(ctx.resolvePath(opts.evidenceDir));
  const token = ctx.envValue("SWARM_GITHUB_TOKEN") ?? ctx.envValue("GITHUB_TOKEN");
  const apiUrl = (opts.githubApiUrl ?? ctx.envValue("SWARM_GITHUB_API_URL") ?? GITHUB_API).replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]+(\/.*)?$/.test(apiUrl)) {
    throw usageError("ARGUMENT_INVALID", `expected --github-api-url as an http(s) URL, got ${JSON.stringify(apiUrl)}`);
  }
  return githubEvidenceSource({
    apiUrl,
    repository: opts.githubRepo!,
    fetch: ctx.runtime.fetch,
    ...(token === undefined ? {} : { token }),
  });
}

/** One attestation source per --verifier-url. */
function verifiersOf(ctx: CliContext, opts: KeeperRunOptions): AttestationSource[] {
  const urls = opts.verifierUrl ?? ctx.envValue("SWARM_VERIFIER_URLS")?.split(",") ?? [];
  if (urls.length === 0) {
    throw usageError("CONFIG_MISSING", "no verifier", "pass --verifier-url URL once per verifier service");
  }
  return urls.map((raw) => {
    const url = raw.trim().replace(/\/+$/, "");
    let host: string;
    try {
      host = new URL(url).host;
    } catch {
      throw usageError("ARGUMENT_INVALID", `expected --verifier-url as a URL, got ${JSON.stringify(raw)}`);
    }
    return httpAttestationSource(host, createVerifierClient(url, ctx.runtime.fetch));
  });
}

/** The actions --disable names. */
function disabledOf(opts: KeeperRunOptions): KeeperAction[] {
  return (opts.disable ?? []).map((a) => {
    if (!(ACTIONS as readonly string[]).includes(a)) {
      throw usageError("ARGUMENT_INVALID", `expected --disable ${ACTIONS.join("|")}, got ${JSON.stringify(a)}`);
    }
    return a as KeeperAction;
  });
}

/** Resolves when the process is asked to stop (SIGINT, SIGTERM): the CLI's edge, the only place signals are read. */
function stopSignal(): AbortController {
  const controller = new AbortController();
  const stop = (): void => {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    controller.abort();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return controller;
}

/** A broken cursor file or keeper configuration is the operator's to fix: a usage error (exit 3), not a verdict. */
function asUsage(err: unknown): never {
  if (isProtocolError(err, KeeperErrorCode.CURSOR_INVALID) || isProtocolError(err, KeeperErrorCode.CONFIG_INVALID)) {
    throw usageError(err.code, err.message, "fix or move the cursor file / the keeper's flags, then start again");
  }
  throw err;
}

async function runKeeper(opts: KeeperRunOptions, cmd: Command): Promise<void> {
  const ctx = await contextOf(cmd);
  let evidence: EvidenceSource;
  try {
    evidence = evidenceOf(ctx, opts);
  } catch (err) {
    asUsage(err);
  }
  const attestations = verifiersOf(ctx, opts);
  const disabled = disabledOf(opts);
  const depth = parseCount(opts.depth ?? ctx.envValue("SWARM_KEEPER_DEPTH") ?? "2", "--depth", { max: 10_000 });
  const pollMs = parseCount(opts.poll, "--poll", { min: 1, max: 3600 }) * 1000;
  const cursorFile = ctx.resolvePath(opts.cursor ?? ctx.envValue("SWARM_KEEPER_CURSOR") ?? "keeper-cursor.json");
  const offerIds = opts.offer?.map((o) => parseId(o, "--offer"));
  if (!["fatal", "error", "warn", "info", "debug", "silent"].includes(opts.logLevel)) {
    throw usageError("ARGUMENT_INVALID", `expected --log-level error|warn|info|debug|silent, got ${opts.logLevel}`);
  }
  const writer = ctx.marketWriter();
  const chainId = BigInt(ctx.config.chainId ?? (await readChainId(writer)));
  const logger = pino(
    { level: opts.logLevel, base: { role: "keeper" } },
    { write: (s: string) => ctx.runtime.streams.stderr(s) },
  );
  const metrics = createKeeperMetrics();
  const keeper = new Keeper({
    writer,
    chainId,
    startBlock: ctx.config.fromBlock,
    confirmations: depth,
    cursor: fileCursorStore(cursorFile),
    evidence,
    attestations,
    clock: ctx.clock,
    logger,
    metrics,
    disabled,
    ...(offerIds === undefined ? {} : { offerIds }),
  });
  if (opts.once === true) {
    const report = await keeper.tick().catch(asUsage);
    ctx.out.result(report, {
      head: report.head,
      scannedTo: report.scannedTo ?? "-",
      found: report.found,
      pending: report.pending,
      actions: report.actions,
    });
    return;
  }
  const metricsPort =
    opts.metricsPort === undefined ? undefined : parseCount(opts.metricsPort, "--metrics-port", { max: 65535 });
  const server = metricsPort === undefined ? undefined : await startMetricsServer(metrics.registry, metricsPort);
  const controller = stopSignal();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      controller.signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
    });
  logger.info(
    {
      market: writer.market,
      chainId: chainId.toString(),
      cursor: path.basename(cursorFile),
      evidence: evidence.kind,
      verifiers: attestations.length,
      depth,
      ...(server ? { metrics: server.url } : {}),
    },
    "keeper started",
  );
  try {
    await keeper.run({ signal: controller.signal, pollMs, sleep }).catch(asUsage);
  } finally {
    await server?.close();
  }
  ctx.out.result({ stopped: true, pending: keeper.cursor?.pending.length ?? 0 }, "keeper stopped");
}

/** Registers `swarm keeper`: run the keeper, or read its cursor. */
export function registerKeeperCommands(program: Command): void {
  const keeper = program.command("keeper").description("claim, finalize and reclaim consumed steps (long-running)");
  keeper
    .command("run")
    .description("follow the market and move every consumed step to its payout or refund")
    .option("--cursor <file>", "the cursor file (or SWARM_KEEPER_CURSOR; default keeper-cursor.json)")
    .option("--depth <n>", "confirmation depth: act only on blocks ≤ head − n (or SWARM_KEEPER_DEPTH; default 2)")
    .option("--evidence-dir <dir>", "evidence from a local folder in the runner's layout")
    .option("--github-repo <owner/name>", "evidence from GitHub: the run's artifact and the certificate's attestation")
    .option("--github-api-url <url>", "GitHub's API base URL (or SWARM_GITHUB_API_URL)")
    .option("--verifier-url <url>", "a verifier service, repeatable (or SWARM_VERIFIER_URLS, comma-separated)", collect)
    .option("--offer <id>", "only steps of this offer, repeatable (default: every offer)", collect)
    .option("--disable <action>", `leave an action to others, repeatable: ${ACTIONS.join(", ")}`, collect)
    .option("--poll <seconds>", "seconds between passes", "5")
    .option("--metrics-port <port>", "serve Prometheus metrics on 127.0.0.1:<port>/metrics")
    .option("--log-level <level>", "error, warn, info or debug (JSON lines on stderr)", "info")
    .option("--once", "run one pass, print what it did and exit")
    .addHelpText("after", HELP)
    .action(async (opts: KeeperRunOptions, cmd: Command) => runKeeper(opts, cmd));
  keeper
    .command("status")
    .description("print a cursor file: the next block and the steps still pending")
    .option("--cursor <file>", "the cursor file (default keeper-cursor.json)")
    .action(async (opts: { cursor?: string }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const file = ctx.resolvePath(opts.cursor ?? ctx.envValue("SWARM_KEEPER_CURSOR") ?? "keeper-cursor.json");
      const chainId = BigInt(ctx.config.chainId ?? (await readChainId(ctx.marketReader())));
      const cursor = await fileCursorStore(file).load({ chainId, market: ctx.marketAddress() }).catch(asUsage);
      if (cursor === undefined)
        throw usageError("CURSOR_MISSING", `no cursor at ${opts.cursor ?? "keeper-cursor.json"}`);
      const pending = cursor.pending.map((p) => `${p.entitlementId}/${p.step}`);
      ctx.out.result(
        { nextBlock: cursor.nextBlock, lastBlock: cursor.lastBlock ?? null, pending: cursor.pending },
        { nextBlock: cursor.nextBlock, pending: pending.length === 0 ? "none" : pending.join(" ") },
      );
    });
}
