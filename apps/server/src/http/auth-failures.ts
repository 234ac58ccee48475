import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import type { AppDeps } from '../context.ts';
import { ApiError } from '../errors.ts';
import { sha256Hex } from '../security/tokens.ts';
import type { RateLimitDecision } from './rate-limit.ts';

/** Past this many blocked addresses, the memo drops those whose window has ended. */
const MEMO_PRUNE_AT = 10_000;

/**
 * Guessing credentials from one address (OWASP API2, "authentication: rate limit"): every /api/v1
 * request (and every request of the peer APIs, dialects/) that presents a credential (an `Authorization` header) and is answered 401 counts against
 * `auth-failures:ip:<address>` in the rate-limit store (GREENLIGHT_AUTH_FAILURES_PER_IP an hour), so the count is exact across replicas on
 * Redis. Over the limit that answer becomes 429 with Retry-After, and until the window ends this
 * process answers 429 to the address before looking a credential up, also for a valid key: a correct
 * guess must look like a wrong one. Keys this process has already resolved (the API-key cache) keep
 * working, so an automation sharing the address with a guesser is not locked out. Requests without
 * credentials are not counted. Another replica learns of the block at the address's next failure there.
 *
 * Authentication and authorization themselves are untouched: this wraps the API router from outside.
 */
export function authFailureLimit(deps: Pick<AppDeps, 'rateLimit' | 'apiKeys' | 'config'>): { before: RequestHandler; after: ErrorRequestHandler } {
  const blocked = new Map<string, RateLimitDecision>();
  const address = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';
  const refusal = (d: RateLimitDecision) =>
    new ApiError(
      'RATE_LIMITED',
      `too many invalid credentials from this address; retry in ${d.retryAfterSeconds} s`,
      { limit: d.limit, reset: d.resetAt },
      {
        'Retry-After': String(d.retryAfterSeconds),
        'X-RateLimit-Limit': String(d.limit),
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': String(d.resetAt),
      },
    );

  const before: RequestHandler = (req, _res, next) => {
    const header = req.headers.authorization;
    if (header === undefined || blocked.size === 0) return next();
    const d = blocked.get(address(req));
    if (!d) return next();
    const now = Math.floor(Date.now() / 1000);
    if (d.resetAt <= now) {
      blocked.delete(address(req));
      return next();
    }
    const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (token && deps.apiKeys?.get(sha256Hex(token))) return next();
    next(refusal({ ...d, retryAfterSeconds: Math.max(1, d.resetAt - now) }));
  };

  const after: ErrorRequestHandler = (err, req, _res, next) => {
    if (!(err instanceof ApiError) || err.code !== 'UNAUTHORIZED' || req.headers.authorization === undefined) return next(err);
    deps.rateLimit.consume(`auth-failures:ip:${address(req)}`, deps.config.GREENLIGHT_AUTH_FAILURES_PER_IP).then(
      (d) => {
        if (d.allowed) return next(err);
        if (blocked.size >= MEMO_PRUNE_AT) {
          const now = Math.floor(Date.now() / 1000);
          for (const [ip, b] of blocked) if (b.resetAt <= now) blocked.delete(ip);
        }
        blocked.set(address(req), d);
        next(refusal(d));
      },
      // The store failing must not turn a 401 into a 500: the answer stays the 401.
      () => next(err),
    );
  };
  return { before, after };
}
