import { createPrivateKey, createPublicKey } from "node:crypto";
import { lstatSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import type { Command } from "commander";
import { zeroAddress } from "viem";
import {
  type BundlePins,
  type BundleReport,
  buildBundleFiles,
  evidenceAnchorReader,
  gatewayBundleInputs,
  parseClaim,
  rfc3161Timestamper,
  verifyBundle,
  writeBundleDir,
} from "../../bundle";
import { readEntitlement, readOffer } from "../../chain/read";
import { createSignaturePool } from "../../protocol/receipts";
import { type CliContext, contextOf } from "../context";
import { usageError } from "../errors";
import { ExitCode } from "../exitCodes";

const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    throw usageError("FILE_UNREADABLE", `cannot read ${what} ${path}`, `check the path given for ${what}`);
  }
}

function publicKeyFile(path: string, what: string) {
  try {
    return createPublicKey({ key: readText(path, what), format: "pem" });
  } catch (err) {
    if ((err as { code?: string }).code === "FILE_UNREADABLE") throw err;
    throw usageError("KEY_INVALID", `${what} ${path} is not a PEM public key`, "pass an SPKI PEM Ed25519 public key");
  }
}

function witnessPolicyFile(path: string): NonNullable<BundlePins["witnessPolicy"]> {
  let doc: { threshold?: unknown; witnesses?: unknown; origin?: unknown };
  try {
    doc = JSON.parse(readText(path, "--witness-policy")) as typeof doc;
  } catch (err) {
    if ((err as { code?: string }).code === "FILE_UNREADABLE") throw err;
    throw usageError(
      "POLICY_INVALID",
      "the witness policy is not JSON",
      '{"threshold": 2, "witnesses": ["name+id+key", …]}',
    );
  }
  const k = Number(doc.threshold);
  const ws = doc.witnesses;
  if (
    !Number.isSafeInteger(k) ||
    !Array.isArray(ws) ||
    !ws.every((w) => typeof w === "string") ||
    (doc.origin !== undefined && typeof doc.origin !== "string")
  ) {
    throw usageError(
      "POLICY_INVALID",
      "expected {threshold, witnesses: [vkey], origin?}",
      "see docs/BUNDLES.md, Witness policy",
    );
  }
  return {
    threshold: k,
    witnesses: ws as string[],
    ...(doc.origin === undefined ? {} : { origin: doc.origin as string }),
  };
}

function humanReport(r: BundleReport): string[] {
  const head = [`status    ${r.status}${r.code === undefined ? "" : ` (${r.code})`}`, `strength  ${r.strength}`];
  if (r.partial) head.push("partial   yes: the receipts are a subset of the log, not the whole story");
  head.push(`issuer    ${r.issuer.keyid ?? "unknown"}${r.issuer.pinned ? " (pinned)" : " (NOT pinned)"}`);
  const s = r.subject;
  if (s !== undefined)
    head.push(`subject   ${s.kind === "run" ? `run ${s.runId} of entitlement` : "entitlement"} ${s.entitlementId}`);
  return [
    ...head,
    ...r.checks.map((c) => `  ${c.status.padEnd(13)} ${c.name.padEnd(16)} ${c.code ?? ""} ${c.detail}`.trimEnd()),
  ];
}

/**
 * The `--gateway-keys-from-chain` pin: the gateway of the claim's entitlement's offer, read from the configured
 * market on the node's chain. The claim only says which entitlement to look up; trust comes from the chain and the
 * GatewayKeys signature check. A CLAIM.json that cannot be read or parsed yields no lookup: the verifier then
 * reports the claim itself as invalid.
 */
async function gatewayPinFromChain(ctx: CliContext, bundleDir: string): Promise<NonNullable<BundlePins["gateway"]>> {
  const reader = ctx.marketReader();
  const chainId = BigInt(await reader.publicClient.getChainId());
  let entitlementId: bigint | undefined;
  try {
    // Only a small regular file is read here; the verifier checks links, sizes and everything else afterwards.
    const path = `${bundleDir}/CLAIM.json`;
    const stat = lstatSync(path);
    if (!stat.isFile() || stat.size > 1 << 20) throw new RangeError("not a small regular file");
    entitlementId = BigInt(parseClaim(readFileSync(path)).subject.entitlementId);
  } catch {
    entitlementId = undefined;
  }
  // No entitlement to look up: a pin no GatewayKeys statement can match (the zero address signs nothing).
  if (entitlementId === undefined) return { address: zeroAddress, chainId, market: reader.market };
  const entitlement = await readEntitlement(reader, entitlementId);
  const offer = await readOffer(reader, entitlement.offerId);
  return { address: offer.terms.gateway, chainId, market: reader.market };
}

const EXIT: Record<BundleReport["status"], ExitCode> = {
  valid: ExitCode.OK,
  invalid: ExitCode.INVALID,
  indeterminate: ExitCode.INDETERMINATE,
};

/** Registers `swarm bundle export` and `swarm bundle verify`. */
export function registerBundleCommands(program: Command): void {
  const bundle = program
    .command("bundle")
    .description("export and verify evidence bundles (offline proof for auditors)");
  bundle
    .command("verify")
    .argument("<dir>", "the bundle directory")
    .description("verify a bundle offline: exit 0 valid, 1 invalid, 2 indeterminate, 3 usage or I/O error")
    .option("--pin-key <file>", "the claim issuer's Ed25519 public key (PEM) you trust")
    .option(
      "--gateway-keys-from-chain",
      "trust the receipt key the entitlement's on-chain gateway vouches for (needs --rpc-url and --market)",
    )
    .option(
      "--witness-policy <file>",
      "the k-of-n witness policy (JSON) you trust; without it a claim that declares witness is indeterminate",
    )
    .option("--log-key <file>", "the log's checkpoint key (PEM) you trust")
    .option(
      "--tsa-chain <file>",
      "the TSA certificate chain (PEM) you trust; without it a claim that declares timestamp is indeterminate",
    )
    .option("--chain", "read the recorded anchor from the chain (needs --rpc-url)")
    .action(async (dir: string, opts: Record<string, string | boolean | undefined>, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const path = ctx.resolvePath(dir);
      const pins: { -readonly [K in keyof BundlePins]: BundlePins[K] } = {};
      if (typeof opts.pinKey === "string") pins.issuerKey = publicKeyFile(ctx.resolvePath(opts.pinKey), "--pin-key");
      if (typeof opts.logKey === "string") pins.logKey = publicKeyFile(ctx.resolvePath(opts.logKey), "--log-key");
      if (typeof opts.tsaChain === "string") pins.tsaChainPem = readText(ctx.resolvePath(opts.tsaChain), "--tsa-chain");
      if (typeof opts.witnessPolicy === "string")
        pins.witnessPolicy = witnessPolicyFile(ctx.resolvePath(opts.witnessPolicy));
      if (opts.gatewayKeysFromChain === true) pins.gateway = await gatewayPinFromChain(ctx, path);
      ctx.out.progress(`verifying ${dir}`);
      // One worker per spare core for the receipts' Ed25519 checks (node has no batch verification).
      const signatures = createSignaturePool(Math.max(0, availableParallelism() - 1));
      const anchor = opts.chain === true ? { anchorReader: evidenceAnchorReader(ctx.publicClient()) } : {};
      const report = await verifyBundle(path, { pins, clock: ctx.clock, signatures, ...anchor }).finally(() =>
        signatures.close(),
      );
      ctx.out.result(report, humanReport(report), { exitCode: EXIT[report.status] });
    });

  bundle
    .command("export")
    .description(
      "export an entitlement's (or one run's) bundle from a gateway and an evidence folder, signed with your key",
    )
    .requiredOption("--entitlement <id>", "the entitlement id")
    .option("--run-id <id>", "export for one run of the entitlement (its GitHub Actions run id): subject kind run")
    .requiredOption("--out <dir>", "a new or empty directory to write the bundle into")
    .requiredOption("--claim-key-file <file>", "the exporter's Ed25519 private key (PEM) that signs CLAIM.json")
    .option("--evidence <dir>", "the evidence folder (holds <entitlementId>/<step>/…)")
    .option("--to <seq>", "receipts up to (excluding) this seq; default: all the checkpoint covers")
    .option("--log-key <file>", "the gateway's checkpoint key (PEM), when it is not its receipt key")
    .option("--tsa-url <url>", "an RFC 3161 timestamp authority that timestamps the claim (needs --tsa-chain)")
    .option(
      "--tsa-chain <file>",
      "that TSA's certificate chain (PEM): each token is checked against it before packaging",
    )
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  swarm bundle export --entitlement 7 --out ./bundle-7 --claim-key-file org-key.pem",
        "  swarm bundle export --entitlement 7 --run-id 27476101517 --out ./bundle-7-run --claim-key-file org-key.pem",
        "  swarm bundle export --entitlement 7 --out ./bundle-7 --claim-key-file org-key.pem \\",
        "    --tsa-url https://tsa.example/tsr --tsa-chain tsa-chain.pem",
      ].join("\n"),
    )
    .action(async (opts: Record<string, string | undefined>, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const id = opts.entitlement!;
      if (!DECIMAL.test(id))
        throw usageError("ARGUMENT_INVALID", "expected --entitlement as a decimal id", "e.g. --entitlement 7");
      const runId = opts.runId;
      if (runId !== undefined && (!DECIMAL.test(runId) || runId === "0"))
        throw usageError("ARGUMENT_INVALID", "expected --run-id as a positive decimal id", "e.g. --run-id 27476101517");
      const to = opts.to === undefined ? Number.MAX_SAFE_INTEGER : Number(opts.to);
      if (!Number.isSafeInteger(to) || to < 1)
        throw usageError("ARGUMENT_INVALID", "expected --to as a positive seq", "e.g. --to 100");
      let privateKey;
      try {
        privateKey = createPrivateKey({
          key: readText(ctx.resolvePath(opts.claimKeyFile!), "--claim-key-file"),
          format: "pem",
        });
      } catch (err) {
        if ((err as { code?: string }).code === "FILE_UNREADABLE") throw err;
        throw usageError(
          "KEY_INVALID",
          "the claim key file is not a PEM private key",
          "pass an Ed25519 PKCS#8 PEM key",
        );
      }
      if (privateKey.asymmetricKeyType !== "ed25519") {
        throw usageError(
          "KEY_INVALID",
          "the claim key must be an Ed25519 key",
          "generate one with openssl genpkey -algorithm ed25519",
        );
      }
      const chainId = ctx.config.chainId;
      if (chainId === undefined)
        throw usageError("CONFIG_MISSING", "no chain id", "pass --chain-id or --network <name>");
      if ((opts.tsaUrl === undefined) !== (opts.tsaChain === undefined))
        throw usageError("ARGUMENT_INVALID", "--tsa-url and --tsa-chain go together", "pass both, or neither");
      const timestamp =
        opts.tsaUrl === undefined
          ? undefined
          : rfc3161Timestamper(
              opts.tsaUrl,
              readText(ctx.resolvePath(opts.tsaChain!), "--tsa-chain"),
              ctx.runtime.fetch,
            );
      const inputs = await gatewayBundleInputs({
        gatewayUrl: ctx.gatewayUrl(),
        fetch: ctx.runtime.fetch,
        subject: {
          kind: runId === undefined ? "entitlement" : "run",
          chainId: String(chainId),
          market: ctx.marketAddress().toLowerCase(),
          entitlementId: id,
          ...(runId === undefined ? {} : { runId }),
        },
        signer: { privateKey, publicKey: createPublicKey(privateKey) },
        clock: ctx.clock,
        ...(opts.to === undefined ? {} : { to }),
        ...(opts.logKey === undefined ? {} : { logKey: publicKeyFile(ctx.resolvePath(opts.logKey), "--log-key") }),
        ...(opts.evidence === undefined ? {} : { evidenceDir: ctx.resolvePath(opts.evidence) }),
        ...(timestamp === undefined ? {} : { timestamp }),
        progress: (line) => ctx.out.progress(line),
      });
      const files = await buildBundleFiles(inputs);
      const lines = inputs.receipts.lines;
      const published = inputs.log !== undefined;
      await writeBundleDir(ctx.resolvePath(opts.out!), files);
      const subject = runId === undefined ? `entitlement ${id}` : `run ${runId} of entitlement ${id}`;
      ctx.out.result(
        { out: opts.out, subject: inputs.subject, files: [...files.keys()].sort(), receipts: lines.length, published },
        [
          `bundle for ${subject} written to ${opts.out}: ${files.size} files, ${lines.length} receipts${published ? ", with the gateway's checkpoint" : ""}`,
          "verify it with: swarm bundle verify <dir> --pin-key <your public key>",
        ],
      );
    });
}
