import type { Request, RequestHandler } from "express";
import { httpError } from "./codes";
import type { TokenBucketLimiter } from "./rateLimiter";

/** Refuses a request whose key has no token left: 429 `RATE_LIMITED` with `Retry-After` in whole seconds. */
export function rateLimit(limiter: TokenBucketLimiter, keyOf: (req: Request) => string): RequestHandler {
  return (req, res, next) => {
    const decision = limiter.take(keyOf(req));
    if (decision.allowed) return next();
    res.setHeader("Retry-After", String(decision.retryAfterSeconds));
    next(
      httpError(
        "RATE_LIMITED",
        `expected at most the configured request rate; retry in ${decision.retryAfterSeconds} s`,
      ),
    );
  };
}
