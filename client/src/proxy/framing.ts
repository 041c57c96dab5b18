import type { IncomingMessage } from "node:http";

import { ProxyErrorCode } from "./codes";
import { refuse } from "./refusal";

/**
 * Refuses a request whose body length has more than one reading (request smuggling, RFC 9112 §6.3): both
 * Content-Length and Transfer-Encoding, Transfer-Encoding other than exactly `chunked`, or Content-Length repeated
 * or not a plain decimal. Node's parser already rejects most of these; this is the proxy's own check, on the raw
 * header lines, so a parser change cannot silently let one through. Also refuses `Upgrade` requests.
 */
export function verifyRequestFraming(req: IncomingMessage): void {
  const lengths: string[] = [];
  const encodings: string[] = [];
  let upgrade = false;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] ?? "").toLowerCase();
    const value = req.rawHeaders[i + 1] ?? "";
    if (name === "content-length") lengths.push(value);
    else if (name === "transfer-encoding") encodings.push(value);
    else if (name === "upgrade") upgrade = true;
  }
  if (lengths.length > 0 && encodings.length > 0) {
    refuse(ProxyErrorCode.FRAMING_AMBIGUOUS, "expected Content-Length or Transfer-Encoding, not both");
  }
  if (lengths.length > 1 || (lengths.length === 1 && !/^[0-9]{1,15}$/.test(lengths[0] ?? ""))) {
    refuse(ProxyErrorCode.FRAMING_AMBIGUOUS, "expected one decimal Content-Length");
  }
  if (encodings.length > 1 || (encodings.length === 1 && encodings[0]?.trim().toLowerCase() !== "chunked")) {
    refuse(ProxyErrorCode.FRAMING_AMBIGUOUS, "expected Transfer-Encoding to be exactly chunked");
  }
  if (upgrade) refuse(ProxyErrorCode.UPGRADE_FORBIDDEN, "expected no Upgrade: the proxy forwards plain requests only");
}

/** The refusal code for an error Node's HTTP parser raised on a connection (a `clientError`). */
export function parserErrorCode(err: unknown): string {
  const code = typeof err === "object" && err !== null && "code" in err ? String(err.code) : "";
  if (code === "HPE_HEADER_OVERFLOW") return ProxyErrorCode.HEADERS_TOO_LARGE;
  if (
    code === "HPE_UNEXPECTED_CONTENT_LENGTH" ||
    code === "HPE_INVALID_TRANSFER_ENCODING" ||
    code === "HPE_INVALID_CONTENT_LENGTH"
  ) {
    return ProxyErrorCode.FRAMING_AMBIGUOUS;
  }
  return ProxyErrorCode.REQUEST_MALFORMED;
}
