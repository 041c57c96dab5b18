import type { IncomingMessage, ServerResponse } from "node:http";

/** A refusal the servers answer with: an HTTP status and a stable code, as `{ code, message }` JSON. */
export class SigstoreRefusal extends Error {
  override readonly name = "SigstoreRefusal";

  /** Extra response headers (Rekor's 409 names the existing entry in `location`). */
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options: { cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.headers = options.headers ?? {};
  }
}

/** Codes shared by every route. */
export const HTTP_CODES = {
  NOT_FOUND: "NOT_FOUND",
  METHOD_NOT_ALLOWED: "METHOD_NOT_ALLOWED",
  UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  BODY_TOO_LARGE: "BODY_TOO_LARGE",
  BODY_MALFORMED: "BODY_MALFORMED",
  INTERNAL: "INTERNAL",
} as const;

/** Writes `body` as JSON with `status`. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Writes raw bytes with a content type. */
export function sendBytes(res: ServerResponse, status: number, contentType: string, body: Uint8Array): void {
  res.writeHead(status, { "content-type": contentType, "cache-control": "no-store", "content-length": body.length });
  res.end(body);
}

/** Reads a JSON request body of at most `limit` bytes; refuses other media types, oversize and unparsable bodies. */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") {
    throw new SigstoreRefusal(415, HTTP_CODES.UNSUPPORTED_MEDIA_TYPE, `expected application/json, got ${type}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new SigstoreRefusal(413, HTTP_CODES.BODY_TOO_LARGE, `expected at most ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (err) {
    throw new SigstoreRefusal(400, HTTP_CODES.BODY_MALFORMED, "expected a JSON body", { cause: err });
  }
}

/** Answers a thrown error: a refusal with its status and code, anything else as a 500 that names nothing. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof SigstoreRefusal) sendJson(res, err.status, { code: err.code, message: err.message }, err.headers);
  else sendJson(res, 500, { code: HTTP_CODES.INTERNAL, message: "internal error" });
}
