import express, { type Request, type Response, type Router } from 'express';
import type { z, ZodType } from 'zod';
import { routes, type OperationId, type RouteDef, type Routes } from '@greenlight/contract';
import type { Logger } from 'pino';
import { ApiError, validationError } from './errors.ts';
import { authenticate, type AuthContext } from './auth.ts';
import type { AppDeps } from '../app.ts';

type Out<T> = T extends ZodType ? z.output<T> : Record<string, never>;

export interface HandlerInput<R extends RouteDef> {
  params: Out<R['request']['params']>;
  query: Out<R['request']['query']>;
  body: Out<R['request']['body']>;
  headers: Out<R['request']['headers']>;
  auth: AuthContext;
  deps: AppDeps;
  log: Logger;
  requestId: string;
}

export type HandlerResult<R extends RouteDef> = {
  [S in keyof R['responses'] & number]: { status: S; body: z.input<R['responses'][S]['schema']> };
}[keyof R['responses'] & number];

export type Handler<R extends RouteDef> = (input: HandlerInput<R>) => Promise<HandlerResult<R>>;
export type Handlers = { [K in OperationId]: Handler<Routes[K]> };

const toExpressPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

function parse<S extends ZodType>(schema: S | undefined, value: unknown, where: 'body' | 'query' | 'params' | 'headers') {
  if (!schema) return {};
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  // A malformed id cannot name anything that exists: 404, as for an unknown id.
  if (where === 'params') throw new ApiError('NOT_FOUND', 'resource not found');
  throw validationError(r.error, where, value);
}

function setRateLimitHeaders(res: Response, d: { limit: number; remaining: number; resetAt: number }) {
  res.set({
    'X-RateLimit-Limit': String(d.limit),
    'X-RateLimit-Remaining': String(d.remaining),
    'X-RateLimit-Reset': String(d.resetAt),
  });
}

/**
 * Binds every route of the contract to its handler. The order of checks is fixed:
 * authenticate → count against the rate limit → scope → emergency stop → validate → handle.
 * A route missing from `handlers` fails the type check, so served routes and the OpenAPI document cannot drift.
 */
export function apiRouter(deps: AppDeps, handlers: Handlers): Router {
  const router = express.Router();
  for (const [operationId, route] of Object.entries(routes) as [OperationId, RouteDef][]) {
    const handler = handlers[operationId] as unknown as Handler<RouteDef>;
    router[route.method](toExpressPath(route.path), async (req: Request, res: Response) => {
      const auth = await authenticate(deps.db, req);

      const rl = await deps.rateLimit.consume(auth.rateLimitKey, auth.rateLimit);
      setRateLimitHeaders(res, rl);
      if (!rl.allowed) {
        throw new ApiError(
          'RATE_LIMITED',
          `rate limit of ${rl.limit} requests per hour exceeded; retry in ${rl.retryAfterSeconds} s`,
          { limit: rl.limit, reset: rl.resetAt },
          { 'Retry-After': String(rl.retryAfterSeconds) },
        );
      }

      if (route.scope && !auth.scopes.includes(route.scope)) {
        throw new ApiError('INSUFFICIENT_SCOPE', `this credential lacks the ${route.scope} scope`, {
          required_scope: route.scope,
        });
      }
      // A fast refusal; the decision path checks the stop again under its row lock.
      if (route.mutating && auth.org.emergency_stop) throw emergencyStop();

      const params = parse(route.request.params, req.params, 'params');
      const query = parse(route.request.query, req.query, 'query');
      const headers = parse(route.request.headers, req.headers, 'headers');
      if (route.request.body && req.body === undefined) {
        throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send a JSON body with Content-Type: application/json');
      }
      const body = parse(route.request.body, req.body, 'body');

      const result = await handler({
        params,
        query,
        body,
        headers,
        auth,
        deps,
        log: req.log,
        requestId: String(req.id),
      } as HandlerInput<RouteDef>);

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
  return router;
}

export const emergencyStop = () =>
  new ApiError('EMERGENCY_STOP', 'the emergency stop is on for this organization: approval requests cannot be changed until an admin turns it off');
