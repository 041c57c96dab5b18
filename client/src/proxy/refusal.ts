import { ProtocolError } from "../protocol/errors";
import { ProxyErrorCode, proxyStatusOf } from "./codes";

/** A request the proxy refuses: a stable code, an HTTP status (403/407/400/431/502) and a message without secrets. */
export class ProxyRefusal extends ProtocolError {
  readonly status: number;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.status = proxyStatusOf(code);
  }
}

/** Throws a ProxyRefusal. */
export function refuse(code: string, message: string, cause?: unknown): never {
  throw new ProxyRefusal(code, message, cause === undefined ? undefined : { cause });
}

/** Turns any error met while handling a request into a refusal: ProtocolErrors keep their code, others are 502. */
export function asRefusal(err: unknown): ProxyRefusal {
  if (err instanceof ProxyRefusal) return err;
  if (err instanceof ProtocolError) return new ProxyRefusal(err.code, err.message, { cause: err });
  return new ProxyRefusal(ProxyErrorCode.UPSTREAM_FAILED, "the request failed inside the proxy", { cause: err });
}

/** The JSON body of every refusal: `{"code":"…","message":"…"}`. */
export function refusalBody(refusal: ProxyRefusal): string {
  return JSON.stringify({ code: refusal.code, message: refusal.message });
}
