/**
 * `swarm witness …`: run a C2SP-style witness for one gateway's receipt log. `keygen` makes a witness key;
 * `cosign` fetches the gateway's checkpoint and the consistency proof from the last checkpoint this witness
 * cosigned, verifies both, saves its state, and prints the cosignature; it refuses a fork or a rollback.
 */
import { readFileSync, statSync, writeFileSync } from "node:fs";

import type { Command } from "commander";

import { isProtocolError } from "../../protocol/errors";
import { encodeBase64, noteVerifierFromKey } from "../../protocol/transparency";
import {
  type WitnessKey,
  cosignCheckpoint,
  fetchCosignRequest,
  fileWitnessState,
  generateWitnessKey,
  parseWitnessKey,
} from "../../witness";
import { type CliContext, contextOf } from "../context";
import { CliError, usageError } from "../errors";
import { ExitCode } from "../exitCodes";

/** Exit code and hint of each code a witness command can stop on. */
const OUTCOMES: Readonly<Record<string, { exit: ExitCode; hint: string }>> = {
  WITNESS_FORK_DETECTED: {
    exit: ExitCode.INVALID,
    hint: "the log signed two histories: keep both notes as evidence; nothing was cosigned",
  },
  WITNESS_ROLLBACK: { exit: ExitCode.INVALID, hint: "the log went back in time: nothing was cosigned" },
  FAILURE_CONSISTENCY_INVALID: {
    exit: ExitCode.INVALID,
    hint: "the new checkpoint does not extend the last one cosigned: nothing was cosigned",
  },
  FAILURE_SIGNATURE_INVALID: {
    exit: ExitCode.INVALID,
    hint: "the checkpoint is not signed by the pinned log key (--log-key)",
  },
  FAILURE_WITNESS_LINEAGE_MISMATCH: { exit: ExitCode.INVALID, hint: "the checkpoint is of another log than --origin" },
  CHECKPOINT_MALFORMED: { exit: ExitCode.INVALID, hint: "the gateway sent something that is not a checkpoint" },
  NOTE_MALFORMED: { exit: ExitCode.INVALID, hint: "the gateway sent something that is not a signed note" },
  WITNESS_FETCH_FAILED: { exit: ExitCode.UNAVAILABLE, hint: "check --gateway-url and that the gateway is up" },
  WITNESS_KEY_INVALID: { exit: ExitCode.USAGE, hint: "make a key with `swarm witness keygen --name NAME --out FILE`" },
  NOTE_KEY_INVALID: { exit: ExitCode.USAGE, hint: "pass the log's verifier key <name>+<id>+<key> as --log-key" },
  WITNESS_STATE_INVALID: { exit: ExitCode.USAGE, hint: "check the --state folder; never edit its records by hand" },
  WITNESS_CLOCK_INVALID: {
    exit: ExitCode.USAGE,
    hint: "the system clock reads before the last cosignature: fix the clock",
  },
};

/** Runs a witness action, turning its ProtocolErrors into CliErrors with the witness's exit codes. */
async function witnessAction(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    const outcome = isProtocolError(err) ? OUTCOMES[err.code] : undefined;
    if (outcome === undefined || !isProtocolError(err)) throw err;
    throw new CliError(err.code, err.message, outcome.exit, outcome.hint, { cause: err });
  }
}

/** A setting from its flag, else from a SWARM_WITNESS_* variable; a usage error naming both when absent. */
function setting(ctx: CliContext, flag: string | undefined, env: string, what: string): string {
  const value = flag ?? ctx.envValue(env);
  if (value === undefined) throw usageError("CONFIG_MISSING", `no ${what}`, `pass it as a flag or set ${env}`);
  return value;
}

function readWitnessKey(ctx: CliContext, cmd: Command): WitnessKey {
  const file = setting(
    ctx,
    cmd.optsWithGlobals<{ keyFile?: string }>().keyFile,
    "SWARM_WITNESS_KEY_FILE",
    "witness key file (--key-file)",
  );
  const full = ctx.resolvePath(file);
  let text: string;
  try {
    text = readFileSync(full, "utf8");
    if ((statSync(full).mode & 0o077) !== 0) ctx.out.warn(`${file} is readable by other users: chmod 600 it`);
  } catch (err) {
    throw usageError(
      "WITNESS_KEY_INVALID",
      `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? "unreadable"})`,
    );
  }
  return parseWitnessKey(text);
}

interface CosignOptions {
  logKey?: string;
  origin?: string;
  state?: string;
  out?: string;
}

/** Registers `swarm witness …`. */
export function registerWitnessCommands(program: Command): void {
  const witness = program.command("witness").description("witness: cosign a gateway's checkpoints, refuse forks");
  witness
    .command("keygen")
    .description("make a witness key (Ed25519, cosignature/v1) and print its verifier key")
    .requiredOption("--name <name>", "the witness's key name, a schema-less URL (e.g. witness.example.org/w1)")
    .requiredOption("--out <file>", "where to write the private key (created 0600, never overwritten)")
    .addHelpText("after", "\nExample:\n  $ swarm witness keygen --name witness.example.org/w1 --out witness.key")
    .action(async (opts: { name: string; out: string }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      await witnessAction(async () => {
        const key = generateWitnessKey(opts.name);
        try {
          writeFileSync(ctx.resolvePath(opts.out), `${key.signerKey}\n`, { flag: "wx", mode: 0o600 });
        } catch (err) {
          const reason = (err as NodeJS.ErrnoException).code ?? "unwritable";
          throw usageError("WITNESS_KEY_EXISTS", `cannot create ${opts.out} (${reason})`, "choose another --out");
        }
        ctx.out.result({ name: key.name, verifierKey: key.verifierKey, keyFile: opts.out }, [
          `witness key written to ${opts.out}`,
          `verifier key: ${key.verifierKey}`,
        ]);
      });
    });
  witness
    .command("cosign")
    .description("fetch the gateway's checkpoint, check it extends the last one cosigned, and cosign it")
    .option("--log-key <vkey>", "the gateway's checkpoint verifier key <origin>+<id>+<key> (or SWARM_WITNESS_LOG_KEY)")
    .option("--origin <origin>", "the log's origin (default: the log key's name)")
    .option("--state <dir>", "the witness's state folder (or SWARM_WITNESS_STATE)")
    .option("--out <file>", "also write the cosigned checkpoint note to this file")
    .addHelpText(
      "after",
      "\nThe witness key comes from --key-file or SWARM_WITNESS_KEY_FILE; the gateway from --gateway-url.\n" +
        "Example:\n  $ swarm witness cosign --gateway-url http://127.0.0.1:8080 --key-file witness.key \\\n" +
        '      --state ./witness-state --log-key "$(cat gateway.vkey)" --json',
    )
    .action(async (opts: CosignOptions, cmd: Command) => {
      const ctx = await contextOf(cmd);
      await witnessAction(async () => {
        const log = noteVerifierFromKey(setting(ctx, opts.logKey, "SWARM_WITNESS_LOG_KEY", "log key (--log-key)"));
        const origin = opts.origin ?? log.name;
        const state = fileWitnessState(
          ctx.resolvePath(setting(ctx, opts.state, "SWARM_WITNESS_STATE", "state folder (--state)")),
        );
        const key = readWitnessKey(ctx, cmd);
        const feed = { baseUrl: ctx.gatewayUrl(), fetch: ctx.runtime.fetch };
        ctx.out.progress(`fetching the checkpoint of ${origin}`);
        const request = await fetchCosignRequest(feed, origin, state);
        const result = await cosignCheckpoint(
          { name: key.name, privateKey: key.privateKey, log, origin, state, clock: ctx.clock },
          request,
        );
        if (opts.out !== undefined) writeFileSync(ctx.resolvePath(opts.out), result.cosignedNote, { mode: 0o644 });
        const previousSize = result.previous === undefined ? "none" : String(result.previous.treeSize);
        ctx.out.result(
          {
            origin,
            treeSize: String(result.checkpoint.treeSize),
            rootHash: encodeBase64(result.checkpoint.rootHash),
            previousTreeSize: result.previous === undefined ? null : String(result.previous.treeSize),
            firstSeen: result.firstSeen,
            cosignature: result.line.trimEnd(),
            cosignedNote: result.cosignedNote,
          },
          [
            `cosigned ${origin} at size ${result.checkpoint.treeSize} (previous ${previousSize}${result.firstSeen ? ", first seen" : ""})`,
            result.line.trimEnd(),
          ],
        );
      });
    });
}
