import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import express, { type RequestHandler } from 'express';
import type { Logger } from 'pino';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express's own extension point for request properties.
  namespace Express {
    interface Request {
      /** The request id: the caller's `X-Request-Id` when it is a sane token, else one made here. */
      id: string;
      /** A logger bound to this request's id. */
      log: Logger;
    }
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

const ROOT = Symbol('greenlight.rootLogger');
const CHILD = Symbol('greenlight.requestLogger');
interface Logged {
  id: string;
  [ROOT]?: Logger;
  [CHILD]?: Logger;
}

/**
 * `req.log`, defined once on Express's request prototype: the child logger is made on first use.
 *
 * Not an accessor defined on each request: each such getter closure would give the request a map
 * (hidden class) of its own, reachable from the shared map's transitions until a full collection.
 * The closure would hold the request and its response, so under load about a third of each young
 * generation would survive its scavenge and be promoted (bench/README.md, P2).
 */
Object.defineProperty(express.request, 'log', {
  configurable: true,
  enumerable: false,
  get(this: Logged): Logger {
    const root = this[ROOT];
    if (!root) throw new Error('req.log is set by the requestLog middleware, which has not run for this request');
    return (this[CHILD] ??= root.child({ reqId: this.id }));
  },
});

/**
 * Gives every request an id (echoed as `X-Request-Id`), a logger bound to it, and one log line when it
 * ends (`request completed`, or `request aborted` when the client left first) with method, URL,
 * status and time, at `error` for 5xx.
 *
 * Written here rather than taken from pino-http, which did the same with more work per request
 * (a child logger with serialized bindings for every request, serializers run twice): 7 % of the
 * server's CPU under create load (bench/profile-create.ts). The child logger is made only when a
 * handler logs something of its own; the closing line goes through the root logger with the id.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    // randomUUID draws from a buffered pool of random bytes (randomBytes went to the CSPRNG each time).
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : `req_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    res.setHeader('X-Request-Id', id);
    req.id = id;
    (req as Logged)[ROOT] = logger;
    const started = performance.now();
    res.once('close', () => logEnd(logger, req.originalUrl, req.method, res, id, started));
    next();
  };
}

/** Query parameters that carry credentials (RFC 6750 §5.3: they leak into logs), matched case-insensitively. */
const SECRET_PARAM = /([?&](?:api_key|access_token|refresh_token|token|code|client_secret|password|key)=)[^&#]*/gi;

/** Paths whose last segment is a credential: a decision link from an email (modules/decision-links/). */
const SECRET_PATH = /^(\/decide\/)[^/?#]+/;

/** The URL as logged: the values of credential parameters replaced, whatever the route did with them. */
export function redactUrl(url: string): string {
  const path = url.replace(SECRET_PATH, '$1[REDACTED]');
  return path.includes('?') ? path.replace(SECRET_PARAM, '$1[REDACTED]') : path;
}

function logEnd(logger: Logger, url: string, method: string, res: ServerResponse, id: string, started: number): void {
  const finished = res.writableFinished;
  // A client leaving early is routine (event streams and long polls end that way): info, like the rest.
  const level = res.statusCode >= 500 ? 'error' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  logger[level](
    {
      reqId: id,
      req: { method, url: redactUrl(url) },
      res: { statusCode: res.statusCode },
      responseTime: Math.round(performance.now() - started),
    },
    finished ? 'request completed' : 'request aborted',
  );
}
