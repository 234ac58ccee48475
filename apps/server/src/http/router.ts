import express, { type Request, type Response, type Router } from 'express';
import { z, type ZodType } from 'zod';
import { routes, type OperationId, type RouteDef } from '@greenlight/contract';
import type { Logger } from 'pino';
import { ApiError } from '../errors.ts';
import { validationError } from './errors.ts';
import type { AppDeps, AuthContext, Handler, HandlerInput, Handlers, Principal, StreamWriter } from '../context.ts';
import { authenticate, type Credentials } from './auth.ts';
import { authorizeCaller, authorizeOwnership, type OwnerLookups } from './authorize.ts';

const toExpressPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

function parse<S extends ZodType>(schema: S | undefined, value: unknown, where: 'body' | 'query' | 'params' | 'headers') {
  if (!schema) return {};
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  // A malformed id cannot name anything that exists: 404, as for an unknown id.
  if (where === 'params') throw new ApiError('NOT_FOUND', 'resource not found');
  throw validationError(r.error, where, value);
}

/**
 * A query parameter the route does not define is refused, naming it, as unknown body fields are: a
 * misspelt filter silently ignored would answer with the unfiltered list.
 */
const NO_QUERY = z.strictObject({});
const strictQuery = (route: RouteDef) => (route.request.query ? route.request.query.strict() : NO_QUERY);

function setRateLimitHeaders(res: Response, d: { limit: number; remaining: number; resetAt: number }) {
  res.set({
    'X-RateLimit-Limit': String(d.limit),
    'X-RateLimit-Remaining': String(d.remaining),
    'X-RateLimit-Reset': String(d.resetAt),
  });
}

/**
 * Binds every route of the contract to its handler, and is the one place that enforces the route's
 * `authorization` (no handler checks roles). The order of checks is fixed: authenticate → count against
 * the rate limit → principal kind → role → scope → emergency stop → validate → ownership → handle.
 * (An ownership rule the request's rules decide, `owner.checkedBy`, is left to its transition.)
 * A route missing from `handlers` fails the type check, so served routes and the OpenAPI document cannot drift.
 */
export function apiRouter(deps: AppDeps, handlers: Handlers, credentials: Credentials, owners: OwnerLookups): Router {
  const router = express.Router();
  // Paths are registered one at a time — its methods, then a 405 for the rest — literal paths before
  // parametric ones, so `/webhooks/callback-secret` is never taken for `/webhooks/{id}`.
  const byPath = new Map<string, [OperationId, RouteDef][]>();
  for (const entry of Object.entries(routes) as [OperationId, RouteDef][]) {
    byPath.set(entry[1].path, [...(byPath.get(entry[1].path) ?? []), entry]);
  }
  const specificity = (path: string) => path.split('/').map((seg) => (seg.startsWith('{') ? '1' : '0')).join('');
  const paths = [...byPath.keys()].sort((a, b) => specificity(a).localeCompare(specificity(b)));
  for (const path of paths) {
    const entries = byPath.get(path)!;
    for (const [operationId, route] of entries) {
      register(operationId, route);
    }
    // A known path asked with a method it does not serve: 405 with the methods it does (RFC 9110 §15.5.6).
    const methods = entries.map(([, r]) => r.method.toUpperCase());
    const allow = [...methods, ...(methods.includes('GET') ? ['HEAD'] : [])].join(', ');
    router.all(toExpressPath(path), (req) => {
      throw new ApiError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${req.path}; allowed: ${allow}`, undefined, { Allow: allow });
    });
  }
  return router;

  function register(operationId: OperationId, route: RouteDef) {
    const handler = handlers[operationId] as unknown as Handler<RouteDef>;
    const querySchema = strictQuery(route);
    router[route.method](toExpressPath(route.path), async (req: Request, res: Response) => {
      // 'close' on the response: finished, or the connection dropped before it was.
      const departure = new Departure();
      res.once('close', () => {
        if (!res.writableFinished) departure.leave();
      });
      const auth = await authenticate(credentials, req, deps.apiKeys);

      const rl = await deps.rateLimit.consume(auth.rateLimitKey, auth.rateLimit, auth.rateLimitWindowSeconds);
      setRateLimitHeaders(res, rl);
      if (!rl.allowed) {
        const per = auth.rateLimitWindowSeconds === 60 ? 'minute' : 'hour';
        throw new ApiError(
          'RATE_LIMITED',
          `rate limit of ${rl.limit} requests per ${per} exceeded; retry in ${rl.retryAfterSeconds} s`,
          { limit: rl.limit, reset: rl.resetAt, retry_after_seconds: rl.retryAfterSeconds },
          { 'Retry-After': String(rl.retryAfterSeconds) },
        );
      }

      authorizeCaller(route.authorization, auth);

      const params = parse(route.request.params, req.params, 'params');
      const query = parse(querySchema, req.query, 'query');
      const headers = parse(route.request.headers, req.headers, 'headers');
      if (route.request.body && req.body === undefined) {
        throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send a JSON body with Content-Type: application/json');
      }
      const body = parse(route.request.body, req.body, 'body');
      const ownedBy = await authorizeOwnership(route.authorization, auth, params as { id?: string }, owners);

      const result = await handler(new Input(params, query, body, headers, auth, ownedBy, deps, req, departure, credentials) as unknown as HandlerInput<RouteDef>);

      const streamed = result as { stream?: StreamWriter };
      if (streamed.stream) {
        await streamed.stream(res);
        return;
      }
      let payload: unknown = result.body;
      if (deps.config.validateResponses) {
        const schema = route.responses[result.status]?.schema;
        if (!schema) throw new Error(`${operationId} answered undeclared status ${result.status}`);
        const check = schema.safeParse(payload);
        if (!check.success) {
          req.log.error({ issues: check.error.issues, operationId }, 'response does not match the contract');
          throw new Error(`${operationId} response does not match the contract`);
        }
        payload = check.data;
      }
      res.status(result.status).json(payload);
    });
  }
}

/** The same principal of the same org, by the same kind of credential (a session, a connection). */
const sameCaller = (a: AuthContext, b: AuthContext) =>
  a.org.id === b.org.id && a.principal.type === b.principal.type && a.principal.id === b.principal.id && a.connection?.id === b.connection?.id && a.sessionTokenHash === b.sessionTokenHash;

/**
 * Only a client that left early aborts the handler's work (an abort builds a DOMException with a
 * stack), and the controller is made only for a handler that asks for the signal (long polls,
 * streams): measurable at thousands of requests a second.
 */
class Departure {
  #controller: AbortController | undefined;
  #left = false;

  leave(): void {
    this.#left = true;
    this.#controller?.abort();
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#left) this.#controller.abort();
    }
    return this.#controller.signal;
  }
}

/**
 * A handler's input. A class, so that `log` (made on first use) and `signal` are getters on its
 * prototype: an object literal with getters is given a hidden class of its own on every request,
 * which kept the request and its response reachable until a full collection (see http/request-log.ts).
 */
class Input {
  readonly params: unknown;
  readonly query: unknown;
  readonly body: unknown;
  readonly headers: unknown;
  readonly auth: AuthContext;
  readonly ownedBy: Principal | null;
  readonly deps: AppDeps;
  readonly requestId: string;
  readonly #req: Request;
  readonly #departure: Departure;
  readonly #credentials: Credentials;

  constructor(
    params: unknown,
    query: unknown,
    body: unknown,
    headers: unknown,
    auth: AuthContext,
    ownedBy: Principal | null,
    deps: AppDeps,
    req: Request,
    departure: Departure,
    credentials: Credentials,
  ) {
    this.params = params;
    this.query = query;
    this.body = body;
    this.headers = headers;
    this.auth = auth;
    this.ownedBy = ownedBy;
    this.deps = deps;
    this.requestId = String(req.id);
    this.#req = req;
    this.#credentials = credentials;
    this.#departure = departure;
  }

  get log(): Logger {
    return this.#req.log;
  }

  get signal(): AbortSignal {
    return this.#departure.signal;
  }

  /** The request's credential resolved again, as on a new request: still this caller? */
  get stillAuthenticated(): () => Promise<boolean> {
    return () =>
      authenticate(this.#credentials, this.#req, this.deps.apiKeys).then(
        (now) => sameCaller(now, this.auth),
        () => false,
      );
  }
}

