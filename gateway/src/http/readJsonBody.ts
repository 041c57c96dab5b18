import type { IncomingMessage } from "node:http";
import { httpError } from "./codes";

/** What a JSON request body must fit in. */
export interface JsonBodyLimits {
  maxBytes: number;
  maxDepth: number;
}

/** `application/json`, optionally with `charset=utf-8` (quoted or not, any case), and no other parameter. */
export function verifyJsonContentType(header: string | undefined): void {
  const [type, ...params] = (header ?? "").split(";").map((part) => part.trim().toLowerCase());
  const charsetOk = params.every((p) => /^charset=("?)utf-8\1$/.test(p));
  if (type !== "application/json" || !charsetOk || params.length > 1) {
    throw httpError("CONTENT_TYPE_UNSUPPORTED", "expected Content-Type application/json (charset utf-8)");
  }
}

/** No `Content-Encoding` other than identity: a compressed body could expand far past the size limit. */
export function verifyIdentityEncoding(header: string | undefined): void {
  if (header !== undefined && header.trim().toLowerCase() !== "identity") {
    throw httpError("CONTENT_TYPE_UNSUPPORTED", "expected no Content-Encoding");
  }
}

/** A declared `Content-Length` above the limit is refused before a byte of the body is read. */
export function verifyDeclaredLength(header: string | undefined, maxBytes: number): void {
  if (header !== undefined && Number(header) > maxBytes) {
    throw httpError("BODY_TOO_LARGE", `expected at most ${maxBytes} bytes`);
  }
}

/** Reads the raw body, refusing it with `BODY_TOO_LARGE` as soon as it passes `maxBytes`. */
export function readRawBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        // Stop keeping the body; drain (and drop) the rest until the answer has gone out and the connection is
        // closed (see `sendError`). Closing with unread bytes would make the kernel reset the connection, and
        // the client could lose the 413.
        cleanup();
        req.resume();
        reject(httpError("BODY_TOO_LARGE", `expected at most ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, total));
    };
    const onError = () => {
      cleanup();
      reject(httpError("BODY_MALFORMED", "the request body was cut off"));
    };
    const onClose = () => {
      if (!req.complete) onError();
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

/** Strict UTF-8 (an invalid byte sequence or a byte-order mark is refused, never replaced). */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw httpError("BODY_MALFORMED", "expected a UTF-8 body");
  }
}

/**
 * Nesting of arrays and objects at most `maxDepth`, checked on the text before parsing, so that no later
 * recursive walk (schema validation, canonicalization) can be driven into a stack overflow.
 */
export function verifyJsonDepth(text: string, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) throw httpError("BODY_MALFORMED", `expected JSON nested at most ${maxDepth} deep`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

/** Parses JSON text into an object, refusing anything else and any `__proto__` member (prototype pollution). */
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text, (key, v: unknown) => {
      if (key === "__proto__") throw new SyntaxError("__proto__ member");
      return v;
    });
  } catch {
    // The parser's message quotes the input: it is neither returned nor logged.
    throw httpError("BODY_MALFORMED", "expected a JSON body");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw httpError("BODY_MALFORMED", "expected a JSON object");
  }
  return value as Record<string, unknown>;
}

/** The request's body as a JSON object, checked in order: content type, encoding, size, UTF-8, depth, syntax. */
export async function readJsonObject(req: IncomingMessage, limits: JsonBodyLimits): Promise<Record<string, unknown>> {
  verifyJsonContentType(req.headers["content-type"]);
  verifyIdentityEncoding(req.headers["content-encoding"]);
  verifyDeclaredLength(req.headers["content-length"], limits.maxBytes);
  const text = decodeUtf8(await readRawBody(req, limits.maxBytes));
  verifyJsonDepth(text, limits.maxDepth);
  return parseJsonObject(text);
}
