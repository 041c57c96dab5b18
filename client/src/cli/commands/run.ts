/**
 * `swarm run step` (the runner inside a GitHub Actions job) and `swarm run attest` (adds a deferred attestation,
 * e.g. the bundle GitHub's artifact attestation wrote, to a step's evidence folder).
 */
import { readFileSync } from "node:fs";

import type { Command } from "commander";

import { SIGSTORE_AUDIENCE, type SigstoreEndpoints, attestCertificate, readCertificatePredicate } from "../../attest";
import { parseCertificate } from "../../protocol/certificate";
import { parsePolicyCapsule } from "../../protocol/policy";
import { EvidenceFile, idTokenSourceFromEnv, stepEvidenceDir, writeStepAttestation } from "../../runner";
import { collect, parseCount, parseId, readFileBytes } from "../args";
import { type CliContext, contextOf } from "../context";
import { usageError } from "../errors";
import { type AttestationMode, runStepJob } from "../runStepJob";
import { verifyBundleSubject, verifyStepAttestation } from "../stepAttestation";

interface SigstoreFlags {
  sigstoreFulcioUrl?: string;
  sigstoreRekorUrl?: string;
  sigstoreTsaUrl?: string;
}

interface StepFlags extends SigstoreFlags {
  entitlement: string;
  capsule: string;
  evidence: string;
  workDir?: string;
  wait: string;
  trustedRoot?: string;
  attestation?: string;
  passEnv: string[];
  maxSeconds?: string;
}

/** The Sigstore endpoints given by flags, or undefined when none is. */
export function sigstoreEndpointsOf(flags: SigstoreFlags): SigstoreEndpoints | undefined {
  const { sigstoreFulcioUrl: fulcioUrl, sigstoreRekorUrl: rekorUrl, sigstoreTsaUrl: tsaUrl } = flags;
  if (fulcioUrl === undefined && rekorUrl === undefined && tsaUrl === undefined) return undefined;
  if (fulcioUrl === undefined)
    throw usageError(
      "ATTESTATION_CONFIG_INVALID",
      "--sigstore-rekor-url/--sigstore-tsa-url need --sigstore-fulcio-url",
    );
  if (rekorUrl === undefined && tsaUrl === undefined) {
    throw usageError(
      "ATTESTATION_CONFIG_INVALID",
      "--sigstore-fulcio-url needs --sigstore-rekor-url or --sigstore-tsa-url (a timestamp)",
    );
  }
  return { fulcioUrl, ...(rekorUrl === undefined ? {} : { rekorUrl }), ...(tsaUrl === undefined ? {} : { tsaUrl }) };
}

/** The attestation mode: explicit endpoints, or `--attestation deferred`; never a default. */
export function attestationModeOf(flags: StepFlags): AttestationMode {
  const endpoints = sigstoreEndpointsOf(flags);
  if (flags.attestation !== undefined && flags.attestation !== "deferred") {
    throw usageError("ATTESTATION_CONFIG_INVALID", `expected --attestation deferred, got ${flags.attestation}`);
  }
  if (endpoints !== undefined && flags.attestation === "deferred") {
    throw usageError("ATTESTATION_CONFIG_INVALID", "give either --attestation deferred or --sigstore-* URLs, not both");
  }
  if (endpoints !== undefined) return { kind: "sigstore", endpoints };
  if (flags.attestation === "deferred") return { kind: "deferred" };
  throw usageError(
    "ATTESTATION_CONFIG_MISSING",
    "no attestation configured",
    "in GitHub Actions pass --attestation deferred and attest certificate.json in the next step; else pass --sigstore-fulcio-url with --sigstore-rekor-url and/or --sigstore-tsa-url",
  );
}

function readJsonFile(ctx: CliContext, file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(ctx.resolvePath(file), "utf8"));
  } catch {
    throw usageError("FILE_UNREADABLE", `cannot read ${what} ${file} as JSON`);
  }
}

function registerStep(run: Command): void {
  run
    .command("step")
    .description("run one paid step inside a GitHub Actions job: session, permit, caps, command, certificate, evidence")
    .requiredOption("--entitlement <id>", "the entitlement this step is paid from")
    .requiredOption("--capsule <file>", "the offer's policy capsule (policy.json)")
    .option("--evidence <dir>", "root of the evidence layout (input read from it, output written to it)", "evidence")
    .option("--work-dir <dir>", "parent of the step's private temporary folder (default: $RUNNER_TEMP or the OS's)")
    .option("--wait <seconds>", "how long to wait for the buyer's permit and the caps", "900")
    .option("--trusted-root <file>", "Sigstore trusted root the fromStep attestation must chain to")
    .option(
      "--attestation <mode>",
      "`deferred`: the workflow attests certificate.json next (GitHub artifact attestation)",
    )
    .option("--sigstore-fulcio-url <url>", "attest now with this Fulcio (explicit; e.g. a devnet Sigstore)")
    .option("--sigstore-rekor-url <url>", "… and this Rekor log")
    .option("--sigstore-tsa-url <url>", "… and/or this RFC 3161 timestamp authority")
    .option(
      "--pass-env <name>",
      "pass this environment variable to the command (repeatable; PATH always is)",
      collect,
      [],
    )
    .option("--max-seconds <n>", "a tighter time limit than the capsule's")
    .argument("<command...>", "the step's command and arguments, after --")
    .addHelpText(
      "after",
      `
Needs ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN (GitHub sets them with \`permissions: id-token: write\`), --rpc-url and
--gateway-url. The command reads $SWARM_STATE_IN and writes $SWARM_STATE_OUT, $SWARM_RESULT_OUT (JSON) and
$SWARM_NEXT_TOKENS_OUT (JSON); its output goes to stderr.

Examples:
  $ swarm run step --entitlement 7 --capsule policy.json --attestation deferred -- ./step.sh
  $ swarm run step --entitlement 7 --capsule policy.json --trusted-root trusted_root.json \\
      --sigstore-fulcio-url http://127.0.0.1:8100/fulcio --sigstore-rekor-url http://127.0.0.1:8100/rekor -- node step.js`,
    )
    .action(async (command: string[], flags: StepFlags, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const attestation = attestationModeOf(flags);
      const env: Record<string, string> = {};
      for (const name of ["PATH", ...flags.passEnv]) {
        const v = ctx.runtime.env[name];
        if (v !== undefined) env[name] = v;
      }
      const result = await runStepJob(ctx, {
        entitlementId: parseId(flags.entitlement, "--entitlement"),
        capsule: readFileBytes(ctx.resolvePath(flags.capsule), "capsule"),
        evidenceDir: ctx.resolvePath(flags.evidence),
        ...(flags.workDir === undefined ? {} : { workDir: ctx.resolvePath(flags.workDir) }),
        waitSeconds: parseCount(flags.wait, "--wait", { min: 1 }),
        ...(flags.trustedRoot === undefined
          ? {}
          : { trustedRoot: readJsonFile(ctx, flags.trustedRoot, "trusted root") }),
        attestation,
        command: { argv: command as [string, ...string[]], env, cwd: ctx.runtime.cwd, stdio: "stderr" },
        ...(flags.maxSeconds === undefined
          ? {}
          : { maxSeconds: parseCount(flags.maxSeconds, "--max-seconds", { min: 1 }) }),
      });
      ctx.out.result(result, {
        step: `${result.step} of entitlement ${result.entitlementId} (from ${result.fromStep})`,
        consumed: result.consumeTx,
        receipt: result.receiptSeq,
        certificate: result.certificateHash,
        evidence: result.evidencePath,
        attestation: result.attested
          ? "certificate.sigstore.json"
          : "deferred: attest certificate.json, then `swarm run attest`",
      });
    });
}

interface AttestFlags extends SigstoreFlags {
  entitlement: string;
  step: string;
  evidence: string;
  bundle?: string;
  trustedRoot?: string;
  capsule?: string;
}

function registerAttest(run: Command): void {
  run
    .command("attest")
    .description("add the attestation of a step's certificate.json to its evidence folder (never replaces one)")
    .requiredOption("--entitlement <id>", "the entitlement")
    .requiredOption("--step <n>", "the step")
    .option("--evidence <dir>", "root of the evidence layout", "evidence")
    .option("--bundle <file>", "a Sigstore bundle already made (e.g. by GitHub's artifact attestation)")
    .option("--trusted-root <file>", "verify the bundle fully against this trusted root (needs --capsule)")
    .option("--capsule <file>", "the offer's policy capsule: who must have signed")
    .option("--sigstore-fulcio-url <url>", "attest now with this Fulcio (instead of --bundle)")
    .option("--sigstore-rekor-url <url>", "… and this Rekor log")
    .option("--sigstore-tsa-url <url>", "… and/or this timestamp authority")
    .addHelpText(
      "after",
      '\nExample (GitHub Actions, after actions/attest):\n  $ swarm run attest --entitlement 7 --step 2 --bundle "$BUNDLE_PATH"',
    )
    .action(async (flags: AttestFlags, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const id = parseId(flags.entitlement, "--entitlement");
      const step = parseCount(flags.step, "--step", { min: 1 });
      const root = ctx.resolvePath(flags.evidence);
      const certificate = readFileBytes(
        `${stepEvidenceDir(root, id, step)}/${EvidenceFile.certificate}`,
        "certificate",
      );
      readCertificatePredicate(certificate);
      const endpoints = sigstoreEndpointsOf(flags);
      if ((endpoints === undefined) === (flags.bundle === undefined)) {
        throw usageError("ATTESTATION_CONFIG_INVALID", "give exactly one of --bundle and --sigstore-fulcio-url");
      }
      let bundle: unknown;
      if (endpoints !== undefined) {
        const token = idTokenSourceFromEnv(ctx.runtime.env, { audience: SIGSTORE_AUDIENCE, fetch: ctx.runtime.fetch });
        bundle = await attestCertificate({ certificateBytes: certificate, token: await token(), sigstore: endpoints });
      } else {
        bundle = readJsonFile(ctx, flags.bundle!, "bundle");
        verifyBundleSubject(certificate, bundle);
      }
      if (flags.trustedRoot !== undefined) {
        if (flags.capsule === undefined) throw usageError("ARGUMENT_MISSING", "--trusted-root needs --capsule");
        const { capsule } = parsePolicyCapsule(readFileBytes(ctx.resolvePath(flags.capsule), "capsule"));
        const commit = parseCertificate(certificate).commit;
        verifyStepAttestation(certificate, bundle, {
          trustedRoot: readJsonFile(ctx, flags.trustedRoot, "trusted root"),
          capsule,
          commit,
        });
      }
      const file = await writeStepAttestation(root, id, step, bundle);
      ctx.out.result({ entitlementId: id, step, file, verified: flags.trustedRoot !== undefined }, [
        `attestation written to ${file}`,
      ]);
    });
}

/** Registers `swarm run …`. */
export function registerRunCommands(program: Command): void {
  const run = program.command("run").description("runner: run a paid step inside a GitHub Actions job");
  registerStep(run);
  registerAttest(run);
}
