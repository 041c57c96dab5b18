/**
 * `swarm verify step|run|serve`: the offline verifier (client/src/verify) wired from flags, environment and config.
 * Trust is only what the flags pin: --trusted-root KIND=FILE (public-good, github, or custom:T,C,S with the tlog,
 * SCT and timestamp thresholds) and --policy FILE (capsules). Chain facts come from the RPC when one is configured,
 * else from each step's recorded chain.json. Exit codes: 0 valid, 1 invalid, 2 indeterminate, 3 usage or I/O,
 * 4 refused (a second certificate for an attested step), 5 unavailable (RPC down).
 */
import path from "node:path";

import type { Command } from "commander";
import type { Address } from "viem";

import { readChainId } from "../../chain/read";
import { isProtocolError } from "../../protocol/errors";
import { fromViemAccount } from "../../signer";
import {
  AttestationStoreCode,
  type ChainFacts,
  type PinnedRootInput,
  type RunReport,
  type StepReport,
  type VerifierConfig,
  attestVerifiedStep,
  fetchChainFacts,
  pinTrustRoots,
  policyStoreOf,
  readRunEvidence,
  readStepFolder,
  startVerifierServer,
  verifyRun,
  verifyStep,
} from "../../verify";
import { collect, parseCount, parseId, readFileBytes } from "../args";
import { type CliContext, contextOf } from "../context";
import { CliError, usageError } from "../errors";
import { ExitCode } from "../exitCodes";

interface TrustOptions {
  trustedRoot?: string[];
  policy?: string[];
  requireRpc?: boolean;
  offline?: boolean;
  evidenceDir?: string;
}

const HELP = `
Trust (pinned, read once, never fetched): --trusted-root public-good=FILE and/or --trusted-root github=FILE
(Sigstore trusted_root.json; GitHub's: \`gh attestation trusted-root\`), or custom:TLOG,SCT,TS=FILE for another
instance with those thresholds. --policy FILE: the offer's policy capsule (also read from policy.json in the
evidence). Chain facts: from --rpc-url when configured (unless --offline), else each step's chain.json, reported
"unchecked" (indeterminate with --require-rpc).

Results and exit codes: valid 0, invalid 1, indeterminate 2, usage or I/O 3; --json prints the per-check report.`;

/** A --trusted-root spec: `public-good=FILE`, `github=FILE` or `custom:T,C,S=FILE`. */
function rootOf(ctx: CliContext, spec: string): PinnedRootInput {
  const m = /^(public-good|github|custom:(\d),(\d),([1-9]))=(.+)$/.exec(spec);
  if (m === null) {
    throw usageError(
      "ARGUMENT_INVALID",
      `expected --trusted-root KIND=FILE, got ${JSON.stringify(spec)}`,
      "KIND is public-good, github or custom:TLOG,SCT,TIMESTAMPS",
    );
  }
  const file = ctx.resolvePath(m[5]!);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(readFileBytes(file, "trusted root")).toString("utf8"));
  } catch (cause) {
    if (cause instanceof CliError) throw cause;
    throw usageError("TRUSTED_ROOT_INVALID", `${m[5]} is not JSON`);
  }
  const name = path.basename(file);
  if (m[2] === undefined) return { name, kind: m[1] as "public-good" | "github", trustedRoot: json };
  const thresholds = { tlogThreshold: Number(m[2]), ctlogThreshold: Number(m[3]), timestampThreshold: Number(m[4]) };
  return { name, kind: "custom", trustedRoot: json, thresholds };
}

/** The verifier's configuration from the flags: roots and capsules loaded once. */
function configOf(ctx: CliContext, opts: TrustOptions): VerifierConfig {
  try {
    const trust = pinTrustRoots((opts.trustedRoot ?? []).map((spec) => rootOf(ctx, spec)));
    const policies = policyStoreOf((opts.policy ?? []).map((f) => readFileBytes(ctx.resolvePath(f), "policy")));
    return { trust, policies, requireRpcChainFacts: opts.requireRpc === true };
  } catch (cause) {
    if (cause instanceof CliError) throw cause;
    const code = isProtocolError(cause) ? cause.code : "CONFIG_INVALID";
    throw usageError(code, (cause as Error).message, "check --trusted-root and --policy files");
  }
}

function evidenceDirOf(ctx: CliContext, opts: TrustOptions): string {
  const dir = opts.evidenceDir ?? ctx.envValue("SWARM_EVIDENCE_DIR");
  if (dir === undefined) throw usageError("CONFIG_MISSING", "no evidence folder", "pass --evidence-dir DIR");
  return ctx.resolvePath(dir);
}

/** The chain and market asked about, and chain facts by RPC when configured and not --offline. */
async function chainOf(
  ctx: CliContext,
  opts: TrustOptions,
  entitlementId: bigint,
  steps?: number[],
): Promise<{ chainId: bigint; market: Address; facts?: ChainFacts }> {
  const market = ctx.marketAddress();
  if (opts.offline === true || ctx.config.rpcUrl === undefined) {
    if (ctx.config.chainId === undefined) {
      throw usageError("CONFIG_MISSING", "no chain id", "pass --chain-id (or --rpc-url to read facts on-chain)");
    }
    return { chainId: BigInt(ctx.config.chainId), market };
  }
  const reader = ctx.marketReader();
  const chainId = BigInt(ctx.config.chainId ?? (await readChainId(reader)));
  const facts = await fetchChainFacts(reader, chainId, entitlementId, {
    fromBlock: ctx.config.fromBlock,
    ...(steps === undefined ? {} : { steps }),
  });
  return { chainId, market, facts };
}

const EXIT = { valid: ExitCode.OK, invalid: ExitCode.INVALID, indeterminate: ExitCode.INDETERMINATE } as const;

function humanStep(r: StepReport): string[] {
  return [
    `step ${r.step} of entitlement ${r.entitlementId}: ${r.result.toUpperCase()}${r.code ? ` (${r.code})` : ""}`,
    ...r.checks.map(
      (c) => `  ${c.status.padEnd(9)} ${c.name}${c.code ? `  ${c.code}` : ""}${c.detail ? `: ${c.detail}` : ""}`,
    ),
    ...(r.missing.length > 0 ? [`missing: ${r.missing.join("; ")}`] : []),
  ];
}

function humanRun(r: RunReport): string[] {
  return [
    `entitlement ${r.entitlementId}: ${r.result.toUpperCase()}${r.code ? ` (${r.code})` : ""}, ${r.steps.length} steps`,
    ...r.steps.map((s) => `  step ${s.step}: ${s.result}${s.code ? ` (${s.code})` : ""}`),
    ...(r.missing.length > 0 ? [`missing: ${r.missing.join("; ")}`] : []),
  ];
}

async function verifyStepCommand(
  idArg: string,
  stepArg: string,
  opts: TrustOptions & { attest?: boolean; store?: string },
  cmd: Command,
): Promise<void> {
  const ctx = await contextOf(cmd);
  const entitlementId = parseId(idArg, "entitlementId");
  const step = parseCount(stepArg, "step", { min: 1 });
  const config = configOf(ctx, opts);
  const root = path.join(evidenceDirOf(ctx, opts), entitlementId.toString());
  const files = await readStepFolder(path.join(root, step.toString())).catch((cause: unknown) => {
    throw usageError("EVIDENCE_UNREADABLE", `cannot read the evidence of step ${step}: ${(cause as Error).message}`);
  });
  const cert = files["certificate.json"];
  const fromStep = cert ? /"fromStep":"(0|[1-9][0-9]{0,9})"/.exec(Buffer.from(cert).toString("utf8")) : null;
  const from = Number(fromStep?.[1] ?? "0");
  const fromFiles = from > 0 ? await readStepFolder(path.join(root, from.toString())).catch(() => ({})) : {};
  const genesis = from === 0 ? await readStepFolder(path.join(root, "0")).catch(() => ({})) : {};
  const fromCertificate = (fromFiles as Record<string, Uint8Array>)["certificate.json"];
  const genesisState = (genesis as Record<string, Uint8Array>)["state.jwe"];
  const { chainId, market, facts } = await chainOf(ctx, opts, entitlementId, from > 0 ? [step, from] : [step]);
  const verification = verifyStep(
    config,
    { chainId, market, entitlementId, step },
    {
      files,
      ...(fromCertificate === undefined ? {} : { fromCertificate }),
      ...(genesisState === undefined ? {} : { genesisState }),
    },
    facts,
  );
  const report = verification.report;
  if (opts.attest !== true || report.result !== "valid") {
    ctx.out.result(report, humanStep(report), { exitCode: EXIT[report.result] });
    return;
  }
  const storeDir = ctx.resolvePath(opts.store ?? ctx.envValue("SWARM_ATTESTATION_STORE") ?? "attestations");
  try {
    const signed = await attestVerifiedStep(verification, {
      storeDir,
      signer: fromViemAccount(ctx.account()),
      chainId,
      market,
    });
    const out = { ...signed.record, repeated: signed.repeated, report };
    ctx.out.result(out, [...humanStep(report), `attested by ${signed.record.verifier}: ${signed.record.signature}`]);
  } catch (cause) {
    if (isProtocolError(cause, AttestationStoreCode.CONFLICT)) {
      throw new CliError(
        cause.code,
        cause.message,
        ExitCode.REFUSED,
        "a verifier never signs two certificates of a step",
      );
    }
    if (isProtocolError(cause) && cause.code.startsWith("ATTESTATION_")) {
      throw new CliError(cause.code, cause.message, ExitCode.USAGE, "--attest needs --rpc-url (chain facts confirmed)");
    }
    throw cause;
  }
}

async function verifyRunCommand(idArg: string, opts: TrustOptions, cmd: Command): Promise<void> {
  const ctx = await contextOf(cmd);
  const entitlementId = parseId(idArg, "entitlementId");
  const config = configOf(ctx, opts);
  const evidence = await readRunEvidence(evidenceDirOf(ctx, opts), entitlementId).catch((cause: unknown) => {
    throw usageError("EVIDENCE_UNREADABLE", (cause as Error).message, "check --evidence-dir");
  });
  const { chainId, market, facts } = await chainOf(ctx, opts, entitlementId);
  const { report } = verifyRun(config, { chainId, market, entitlementId }, evidence, facts);
  ctx.out.result(report, humanRun(report), { exitCode: EXIT[report.result] });
}

async function serveCommand(
  opts: TrustOptions & { store?: string; host: string; port: string },
  cmd: Command,
): Promise<void> {
  const ctx = await contextOf(cmd);
  const config = configOf(ctx, opts);
  const reader = ctx.marketReader();
  const chainId = BigInt(ctx.config.chainId ?? (await readChainId(reader)));
  const port = parseCount(opts.port, "--port", { max: 65535 });
  const storeDir = ctx.resolvePath(opts.store ?? ctx.envValue("SWARM_ATTESTATION_STORE") ?? "attestations");
  const server = await startVerifierServer(
    {
      config,
      reader,
      chainId,
      signer: fromViemAccount(ctx.account()),
      storeDir,
      ...(ctx.config.fromBlock === undefined ? {} : { fromBlock: ctx.config.fromBlock }),
    },
    {
      host: opts.host,
      port,
      log: (e) => ctx.runtime.streams.stderr(`${JSON.stringify({ role: "verifier", ...e })}\n`),
    },
  );
  ctx.out.progress(`verifier listening on ${server.url}`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await server.close();
  ctx.out.result({ stopped: true, url: server.url }, "verifier stopped");
}

function trustFlags(c: Command): Command {
  return c
    .option("--trusted-root <KIND=FILE>", "a pinned Sigstore trusted root (repeatable)", collect)
    .option("--policy <FILE>", "a policy capsule file (repeatable)", collect)
    .option("--require-rpc", "recorded chain facts make the result indeterminate")
    .addHelpText("after", HELP);
}

/** Registers `swarm verify`: verify a step or a run offline; serve verifier attestations over HTTP. */
export function registerVerifyCommands(program: Command): void {
  const verify = program.command("verify").description("verify step evidence offline; sign StepAttestations");
  trustFlags(
    verify
      .command("step")
      .argument("<entitlementId>", "the entitlement")
      .argument("<step>", "the step number")
      .description("verify one step's evidence (valid | invalid | indeterminate)")
      .option("--evidence-dir <DIR>", "the evidence root: <DIR>/<entitlementId>/<step>/…")
      .option("--offline", "do not read the chain even when an RPC is configured")
      .option("--attest", "sign the StepAttestation if valid (key: SWARM_PRIVATE_KEY or --key-file)")
      .option("--store <DIR>", "attestation records (default ./attestations or SWARM_ATTESTATION_STORE)"),
  ).action(verifyStepCommand);
  trustFlags(
    verify
      .command("run")
      .argument("<entitlementId>", "the entitlement")
      .description("verify every step of an entitlement, in order")
      .option("--evidence-dir <DIR>", "the evidence root: <DIR>/<entitlementId>/<step>/…")
      .option("--offline", "do not read the chain even when an RPC is configured"),
  ).action(verifyRunCommand);
  trustFlags(
    verify
      .command("serve")
      .description("serve POST /v1/attestations for keepers (needs --rpc-url and the verifier's key)")
      .option("--store <DIR>", "attestation records (default ./attestations or SWARM_ATTESTATION_STORE)")
      .option("--host <HOST>", "listen address", "127.0.0.1")
      .option("--port <PORT>", "listen port", "7070"),
  ).action(serveCommand);
}
