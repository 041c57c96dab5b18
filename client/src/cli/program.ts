/**
 * The `swarm` program: global options, every command group, and `runCli`, which runs one invocation and maps any
 * failure to `error <CODE>: <message>` + a hint and a documented exit code (exitCodes.ts).
 */
import { Command, CommanderError, Option } from "commander";

import { registerAllCommands } from "./commands";
import { PRIVATE_KEY_ENV } from "./config";
import { type CliRuntime, attachRuntime, outputOf } from "./context";
import { CliError, reportOf, usageError } from "./errors";
import { ExitCode } from "./exitCodes";
import { Output } from "./output";

const ROOT_HELP = `
Configuration (flags > environment > swarm.config.json > deployments/<network>.json):
  SWARM_RPC_URL, SWARM_CHAIN_ID, SWARM_MARKET, SWARM_GATEWAY_URL, SWARM_NETWORK, SWARM_CONFIG, SWARM_KEY_FILE,
  SWARM_CONFIRMATIONS. Keys: ${PRIVATE_KEY_ENV} or --key-file FILE, never on the command line.

Exit codes: 0 ok/valid, 1 invalid, 2 indeterminate, 3 usage or config, 4 refused by a remote, 5 unavailable.

Examples:
  $ SWARM_PRIVATE_KEY=… swarm --network localhost offer publish --capsule policy.json --price 0.01ether \\
      --commit 30bace97d4fbcd657d31d2de06068ab14b491473 --arbiter 0x90F7… --verifier 0x9965…
  $ swarm --key-file buyer.key buy 1 --steps 3 --json
  $ swarm sessions list 1
  $ swarm --key-file buyer.key permit sign 1 --wait 300 --capsule policy.json
  $ swarm run step --entitlement 1 --capsule policy.json --attestation deferred -- node step.mjs

See docs/CLI.md for every command.`;

/** Option names that would put a secret in shell history: refused before parsing. */
const SECRET_FLAGS = /^--(private-?key|privatekey|key|secret|mnemonic|seed|password)(=|$)/i;

/** Refuses a private key (or other secret) given as a flag. */
export function refuseSecretFlags(argv: readonly string[]): void {
  for (const arg of argv) {
    if (arg === "--") return;
    const m = SECRET_FLAGS.exec(arg);
    if (m !== null) {
      throw usageError(
        "SECRET_ON_COMMAND_LINE",
        `refusing ${arg.split("=")[0]}: a secret on the command line ends up in shell history and process lists`,
        `set ${PRIVATE_KEY_ENV} or pass --key-file FILE (mode 600)`,
      );
    }
  }
}

/** Builds the program for `runtime` with every command group registered. */
export function buildProgram(runtime: CliRuntime): Command {
  const program = new Command("swarm")
    .description(
      "swarm: proof-backed execution entitlements, from the command line (sellers, buyers, runners, verifiers, keepers, witnesses and auditors)",
    )
    .version("0.1.0")
    .addOption(new Option("--json", "print exactly one JSON document on stdout"))
    .addOption(new Option("--config <file>", "project config file (default: ./swarm.config.json)"))
    .addOption(new Option("--network <name>", "read chain id and market from deployments/<name>.json"))
    .addOption(new Option("--rpc-url <url>", "JSON-RPC endpoint of the chain"))
    .addOption(new Option("--chain-id <id>", "expected chain id"))
    .addOption(new Option("--market <address>", "SwarmMarket address"))
    .addOption(new Option("--gateway-url <url>", "capability gateway base URL"))
    .addOption(new Option("--key-file <file>", `file holding the private key (or set ${PRIVATE_KEY_ENV})`))
    .addOption(new Option("--confirmations <n>", "confirmations to wait for on writes (default 1)"))
    .addOption(new Option("--deployments-dir <dir>", "where --network looks (default: deployments)").hideHelp())
    .addOption(new Option("--from-block <n>", "first block to scan for market events").hideHelp())
    .addHelpText("after", ROOT_HELP)
    .enablePositionalOptions(false)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => runtime.streams.stdout(s),
      writeErr: (s) => runtime.streams.stderr(s),
      // Commander's own error line is replaced by ours (error <CODE>: … + hint) in runCli.
      outputError: () => undefined,
    });
  attachRuntime(program, runtime);
  registerAllCommands(program);
  for (const c of allCommands(program)) {
    c.exitOverride().configureOutput(program.configureOutput());
  }
  return program;
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

function commanderReport(err: CommanderError): CliError {
  const message = err.message.replace(/^error:\s*/i, "");
  return usageError(
    `USAGE_${err.code
      .replace(/^commander\./, "")
      .replace(/([a-z])([A-Z])/g, "$1_$2")
      .toUpperCase()}`,
    message,
    "run with --help for usage",
  );
}

/** Runs one invocation (`argv` without node and script) and returns its exit code; never throws. */
export async function runCli(argv: readonly string[], runtime: CliRuntime): Promise<number> {
  let program: Command | undefined;
  try {
    refuseSecretFlags(argv);
    program = buildProgram(runtime);
    await program.parseAsync([...argv], { from: "user" });
    return outputOf(program)?.exitCode ?? ExitCode.OK;
  } catch (err) {
    if (
      err instanceof CommanderError &&
      (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help")
    ) {
      return ExitCode.OK;
    }
    const report = reportOf(err instanceof CommanderError ? commanderReport(err) : err);
    const out =
      (program === undefined ? undefined : outputOf(program)) ?? new Output(runtime.streams, argv.includes("--json"));
    out.error(report);
    return report.exitCode;
  }
}
