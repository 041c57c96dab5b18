/**
 * The gateway's one error type. Every refusal carries a stable `code` (clients and receipts key on it), the
 * HTTP status it maps to, and a short message that says what was expected and what was got. Messages never
 * contain a token, a key or a secret.
 */
export class GatewayError extends Error {
  override readonly name = "GatewayError";

  constructor(
    /** Stable, UPPER_SNAKE_CASE: never renamed once released. */
    readonly code: string,
    /** The HTTP status the refusal maps to: 4xx for the caller's fault, 503 when a dependency is down. */
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The body the HTTP layer sends: `{ "error": { "code", "message" } }`. */
  toJSON(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

/** Whether a refusal was caused by a dependency being down (chain, JWKS, policy store), not by the caller. */
export function isUnavailable(err: unknown): boolean {
  return err instanceof GatewayError && err.status === 503;
}
