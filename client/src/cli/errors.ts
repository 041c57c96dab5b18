/**
 * The CLI's error type and the one place that maps any error (CliError, the SDK's ProtocolError codes, commander's
 * usage errors) to `error <CODE>: <message>`, a hint line and an exit code. Messages come from typed errors whose
 * messages never carry a secret; unknown errors print their message only (never a stack or a cause chain, which
 * for viem errors can carry an RPC URL with an API key).
 */
import { GatewayRequestError } from "../gateway/client";
import { isProtocolError } from "../protocol/errors";
import { ExitCode } from "./exitCodes";

/** A failure the CLI reports as is: stable code, message, exit code and an optional hint. */
export class CliError extends Error {
  override readonly name = "CliError";

  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A usage or configuration error (exit 3). */
export function usageError(code: string, message: string, hint?: string): CliError {
  return new CliError(code, message, ExitCode.USAGE, hint);
}

/** What the CLI prints and returns for a failure. */
export interface ErrorReport {
  readonly code: string;
  readonly message: string;
  readonly hint: string;
  readonly exitCode: ExitCode;
}

/** Exit code and hint of an SDK error code, by prefix or exact code; first match wins. */
const CODE_RULES: readonly { readonly match: (code: string) => boolean; exit: ExitCode; hint: string }[] = [
  {
    match: (c) => c === "CHAIN_CALL_FAILED",
    exit: ExitCode.UNAVAILABLE,
    hint: "check --rpc-url and that the node is up",
  },
  { match: (c) => c === "CHAIN_MISMATCH", exit: ExitCode.USAGE, hint: "the RPC URL and --chain-id/--network disagree" },
  {
    match: (c) => c === "CHAIN_EVENT_MISSING",
    exit: ExitCode.INDETERMINATE,
    hint: "check the transaction on the chain before retrying",
  },
  {
    match: (c) => c.startsWith("CHAIN_"),
    exit: ExitCode.REFUSED,
    hint: "the chain refused the transaction; nothing was changed",
  },
  {
    match: (c) => c.startsWith("MARKET_") || c.startsWith("TOKEN_") || c.startsWith("ERC20_"),
    exit: ExitCode.REFUSED,
    hint: "the market refused; nothing was changed (see docs/CLI.md for the error)",
  },
  {
    match: (c) => c === "OIDC_ENV_MISSING" || c === "OIDC_ENV_INVALID",
    exit: ExitCode.USAGE,
    hint: "run inside GitHub Actions with `permissions: id-token: write`, or set ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN",
  },
  {
    match: (c) => c === "OIDC_REQUEST_FAILED" || c === "CAPS_REQUEST_FAILED",
    exit: ExitCode.UNAVAILABLE,
    hint: "the remote did not answer; retry later",
  },
  {
    match: (c) => c === "PERMIT_WAIT_TIMEOUT",
    exit: ExitCode.UNAVAILABLE,
    hint: "no permit arrived: the buyer answers sessions with `swarm permit sign`",
  },
  {
    match: (c) => c === "EVIDENCE_EXISTS",
    exit: ExitCode.USAGE,
    hint: "evidence is never overwritten: choose another --out or remove the folder yourself",
  },
  {
    match: (c) => c === "KEEPER_CURSOR_INVALID" || c === "KEEPER_CONFIG_INVALID",
    exit: ExitCode.USAGE,
    hint: "fix or move the cursor file / the keeper's flags, then start again",
  },
  {
    match: (c) => c.startsWith("INPUT_") || c.endsWith("_MISMATCH") || c.startsWith("ATTEST_") || c.includes("INVALID"),
    exit: ExitCode.INVALID,
    hint: "the input did not verify; nothing was released",
  },
  {
    match: (c) => c.startsWith("STEP_") || c === "STATE_TOO_LARGE",
    exit: ExitCode.INVALID,
    hint: "the step did not produce valid outputs; no evidence was written",
  },
  {
    match: (c) =>
      c.startsWith("SIGNER_") || c.startsWith("BUYER_") || c.startsWith("SELLER_") || c.startsWith("OFFER_"),
    exit: ExitCode.USAGE,
    hint: "check the key and the arguments",
  },
];

/** The exit code and hint for an SDK error code. */
export function classifyCode(code: string): { exitCode: ExitCode; hint: string } {
  const rule = CODE_RULES.find((r) => r.match(code));
  return rule === undefined
    ? { exitCode: ExitCode.INDETERMINATE, hint: "see docs/CLI.md for this code" }
    : { exitCode: rule.exit, hint: rule.hint };
}

function gatewayExit(err: GatewayRequestError): ExitCode {
  if (err.status === 0 || err.status >= 500) return ExitCode.UNAVAILABLE;
  return ExitCode.REFUSED;
}

/** Maps any thrown value to the report the CLI prints and the exit code it returns. */
export function reportOf(err: unknown): ErrorReport {
  if (err instanceof CliError) {
    return {
      code: err.code,
      message: err.message,
      hint: err.hint ?? classifyCode(err.code).hint,
      exitCode: err.exitCode,
    };
  }
  if (err instanceof GatewayRequestError) {
    const exitCode = gatewayExit(err);
    const hint =
      exitCode === ExitCode.UNAVAILABLE
        ? "check --gateway-url and that the gateway is up"
        : "the gateway refused; nothing was released";
    return { code: err.code, message: err.message, hint, exitCode };
  }
  if (isProtocolError(err)) {
    const { exitCode, hint } = classifyCode(err.code);
    const cause = err.cause;
    // The cause's code and message say which check failed (e.g. which Sigstore check under INPUT_ATTESTATION_INVALID).
    const because = isProtocolError(cause) || cause instanceof CliError ? ` (${cause.code}: ${cause.message})` : "";
    return { code: err.code, message: `${err.message}${because}`, hint, exitCode };
  }
  const message = err instanceof Error ? err.message.split("\n")[0]! : String(err);
  return {
    code: "UNEXPECTED",
    message,
    hint: "this is a bug or an unhandled environment failure; the outcome is unknown: check before retrying",
    exitCode: ExitCode.INDETERMINATE,
  };
}
