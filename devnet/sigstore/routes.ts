import type { IncomingMessage, ServerResponse } from "node:http";

import { HTTP_CODES, SigstoreRefusal, readJsonBody, sendBytes, sendError, sendJson } from "./http";

/** What a handler answers: JSON, or raw bytes of a content type. */
export type Reply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; contentType: string; data: Uint8Array };

/** One route: an exact path, or a path prefix whose remainder is handed to the handler. */
export interface Route {
  method: "GET" | "POST";
  path: string;
  /** When true, `path` is a prefix and the rest of the path (one segment) is the handler's `rest`. */
  prefix?: boolean;
  /** POST: the largest JSON body accepted, in bytes. */
  limit?: number;
  handle(body: unknown, rest: string): Promise<Reply>;
}

function matches(route: Route, pathname: string): string | undefined {
  if (!route.prefix) return route.path === pathname ? "" : undefined;
  if (!pathname.startsWith(route.path)) return undefined;
  const rest = pathname.slice(route.path.length);
  return /^[A-Za-z0-9_-]{1,128}$/.test(rest) ? rest : undefined;
}

async function serve(req: IncomingMessage, res: ServerResponse, routes: readonly Route[]): Promise<void> {
  const pathname = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
  const candidates = routes.filter((r) => matches(r, pathname) !== undefined);
  if (candidates.length === 0) throw new SigstoreRefusal(404, HTTP_CODES.NOT_FOUND, `no route ${pathname}`);
  const route = candidates.find((r) => r.method === req.method);
  if (route === undefined) {
    const allow = candidates.map((r) => r.method).join(", ");
    throw new SigstoreRefusal(405, HTTP_CODES.METHOD_NOT_ALLOWED, `expected ${allow}`, { headers: { allow } });
  }
  const body = route.method === "POST" ? await readJsonBody(req, route.limit ?? 64 * 1024) : undefined;
  const reply = await route.handle(body, matches(route, pathname)!);
  if ("json" in reply) sendJson(res, reply.status, reply.json, reply.headers);
  else sendBytes(res, reply.status, reply.contentType, reply.data);
}

/** A request handler over `routes` (read on every request, so routes may be added after listening). */
export function createRouter(routes: readonly Route[]): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    serve(req, res, routes).catch((err: unknown) => sendError(res, err));
  };
}
