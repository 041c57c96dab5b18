/**
 * The SDK's one error type for protocol-level failures: a capsule, certificate, receipt or other format that
 * does not parse or does not verify. Every failure carries a stable `code` (callers, the gateway and receipts
 * key on it), a short message that says what was expected and what was got, and the underlying `cause` when
 * there is one. Messages never contain a token, a key or a secret.
 */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";

  constructor(
    /** Stable, UPPER_SNAKE_CASE: never renamed once released. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Whether `err` is a ProtocolError, and (when `code` is given) carries exactly that code. */
export function isProtocolError(err: unknown, code?: string): err is ProtocolError {
  return err instanceof ProtocolError && (code === undefined || err.code === code);
}
