/**
 * What a command prints. Exactly one result per command: with `--json`, one JSON document on stdout (bigints as
 * decimal strings, bytes as 0x hex); otherwise human text on stdout. Progress lines (waiting for a confirmation, a
 * permit, the gateway) always go to stderr, so `swarm … --json | jq` keeps working.
 *
 * How a command group uses it (see context.ts for `contextOf`):
 *
 *   .action(async (id: string, _opts: unknown, cmd: Command) => {
 *     const ctx = await contextOf(cmd);
 *     ctx.out.progress(`retiring offer ${id}…`);
 *     const r = await retireOffer(ctx.marketWriter(await ctx.account()), BigInt(id));
 *     ctx.out.result({ offerId: id, txHash: r.txHash }, [`offer ${id} retired`, `tx ${r.txHash}`]);
 *   });
 *
 * A verification that concludes "invalid" prints its result and sets the verdict's exit code:
 *   ctx.out.result(report, lines, { exitCode: ExitCode.INVALID });
 */
import type { ErrorReport } from "./errors";
import { ExitCode } from "./exitCodes";

/** Where the CLI writes: injected so tests capture it. */
export interface CliStreams {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Human text of a result: lines, or `key  value` pairs laid out in two columns. */
export type HumanText = string | readonly string[] | Readonly<Record<string, string | number | bigint | boolean>>;

/** JSON.stringify replacer: bigint → decimal string, bytes → 0x hex. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return `0x${Buffer.from(value).toString("hex")}`;
  return value;
}

/** `key  value` lines, keys padded to one column. */
export function formatFields(fields: Readonly<Record<string, string | number | bigint | boolean>>): string[] {
  const width = Math.max(0, ...Object.keys(fields).map((k) => k.length));
  return Object.entries(fields).map(([k, v]) => `${k.padEnd(width)}  ${String(v)}`);
}

function humanLines(text: HumanText): readonly string[] {
  if (typeof text === "string") return [text];
  if (Array.isArray(text)) return text as readonly string[];
  return formatFields(text as Readonly<Record<string, string | number | bigint | boolean>>);
}

/** The one writer of a command's output. */
export class Output {
  /** The exit code the CLI returns when the command completes without throwing. */
  exitCode: ExitCode = ExitCode.OK;
  private printed = false;

  constructor(
    private readonly streams: CliStreams,
    /** `--json`: the result is one JSON document. */
    readonly json: boolean,
  ) {}

  /** Prints the command's result (once): `data` as JSON with --json, `human` otherwise (default: `data` as JSON). */
  result(data: unknown, human?: HumanText, options?: { exitCode?: ExitCode }): void {
    if (this.printed) throw new Error("a command prints one result");
    this.printed = true;
    if (options?.exitCode !== undefined) this.exitCode = options.exitCode;
    if (this.json || human === undefined) {
      this.streams.stdout(`${JSON.stringify(data, jsonReplacer, this.json ? undefined : 2)}\n`);
      return;
    }
    const lines = humanLines(human);
    if (lines.length > 0) this.streams.stdout(`${lines.join("\n")}\n`);
  }

  /** A progress line on stderr (waiting for a confirmation, a permit…). */
  progress(line: string): void {
    this.streams.stderr(`… ${line}\n`);
  }

  /** A warning on stderr that does not stop the command. */
  warn(line: string): void {
    this.streams.stderr(`warning: ${line}\n`);
  }

  /** Prints a failure: `error <CODE>: <message>` and `hint: …` on stderr; with --json also a JSON error on stdout. */
  error(report: ErrorReport): void {
    this.streams.stderr(`error ${report.code}: ${report.message}\nhint: ${report.hint}\n`);
    if (this.json && !this.printed) {
      this.printed = true;
      const doc = {
        error: { code: report.code, message: report.message, hint: report.hint, exitCode: report.exitCode },
      };
      this.streams.stdout(`${JSON.stringify(doc)}\n`);
    }
  }
}
