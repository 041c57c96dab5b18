import type { RequestHandler } from "express";
import { httpError } from "./codes";
import { type CompiledPath, matchPath } from "./route";

/**
 * After every route: a known path asked with another method is 405 `METHOD_NOT_ALLOWED` with `Allow`
 * (GET implies HEAD), anything else 404 `NOT_FOUND`.
 */
export function fallthrough(paths: readonly CompiledPath[]): RequestHandler {
  return (req, res, next) => {
    const known = matchPath(paths, req.path);
    if (known === undefined) return next(httpError("NOT_FOUND", "no such route"));
    const allowed = known.methods.includes("GET") ? [...known.methods, "HEAD"] : known.methods;
    res.setHeader("Allow", allowed.join(", "));
    next(httpError("METHOD_NOT_ALLOWED", `expected one of ${allowed.join(", ")}, got ${req.method}`));
  };
}
