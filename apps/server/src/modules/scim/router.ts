import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { SCIM_MEDIA_TYPE, SCIM_SCHEMAS } from '@greenlight/contract';
import type { AppDeps } from '../../context.ts';
import type { Database } from '../../storage/database.ts';
import { ApiError } from '../../errors.ts';
import { inputLimits } from '../../http/input-limits.ts';
import { scimError } from './errors.ts';
import { resolveScimToken, type ScimCaller } from './tokens.ts';
import { createScimUser, deleteScimUser, getScimUser, listScimUsers, patchScimUser, replaceScimUser } from './users.ts';
import { createScimGroup, deleteScimGroup, getScimGroup, listScimGroups, patchScimGroup, replaceScimGroup } from './groups.ts';
import { resourceTypes, schemas, serviceProviderConfig } from './discovery.ts';

/** Requests a minute one org's identity provider may make: a full Entra sync of a few thousand people fits. */
export const SCIM_RATE_LIMIT_PER_MINUTE = 1200;

const WWW_AUTHENTICATE = 'Bearer realm="greenlight-scim"';

const send = (res: Response, status: number, body?: unknown) => {
  res.status(status);
  if (body === undefined) return void res.end();
  res.type(SCIM_MEDIA_TYPE).send(JSON.stringify(body));
};

type ScimRequest = Request & { scim: ScimCaller };
type ScimHandler = (req: ScimRequest, res: Response) => Promise<void>;

/** The caller of each authenticated request, as the authentication step below found it. */
const callers = new WeakMap<Request, ScimCaller>();

const handle =
  (fn: ScimHandler) =>
  (req: Request, res: Response, next: NextFunction): void => {
    const scim = callers.get(req);
    if (!scim) return next(new ApiError('UNAUTHORIZED', 'missing Authorization header (Bearer <SCIM token>)'));
    fn(Object.assign(req, { scim }), res).catch(next);
  };

const idOf = (req: Request) => String(req.params.id);

type ScimResource = Record<string, unknown>;
/** One SCIM resource type's store: what `users.ts` and `groups.ts` each export. */
interface ResourceOps {
  list(db: Database, caller: ScimCaller, query: unknown, publicUrl: string): Promise<unknown>;
  create(db: Database, caller: ScimCaller, body: unknown, publicUrl: string): Promise<ScimResource>;
  get(db: Database, caller: ScimCaller, id: string, publicUrl: string): Promise<ScimResource>;
  replace(db: Database, caller: ScimCaller, id: string, body: unknown, publicUrl: string): Promise<ScimResource>;
  patch(db: Database, caller: ScimCaller, id: string, body: unknown, publicUrl: string): Promise<ScimResource>;
  remove(db: Database, caller: ScimCaller, id: string): Promise<void>;
}

/**
 * SCIM 2.0 (RFC 7644) at /scim/v2: a protocol of its own beside the API, as the OAuth endpoints are,
 * with its own credential (the org's SCIM token: tokens.ts), media type and error body (errors.ts).
 * Every route needs the token; it names the org, so one org's identity provider sees and changes
 * only that org. The composition root wraps it in the auth-failure limiter and the SCIM error renderer.
 */
export function scimRouter(deps: AppDeps): Router {
  const router = express.Router();
  const publicUrl = deps.config.publicUrl;
  router.use(
    express.json({ limit: deps.config.GREENLIGHT_BODY_LIMIT, strict: false, type: (req) => /\bjson\b/i.test(req.headers['content-type'] ?? '') }),
    inputLimits,
  );

  const authenticate = async (req: Request): Promise<void> => {
    const header = req.get('authorization');
    const token = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
    const caller = token ? await resolveScimToken(deps.db, token) : null;
    if (!caller) {
      throw new ApiError('UNAUTHORIZED', header ? 'invalid or revoked SCIM token' : 'missing Authorization header (Bearer <SCIM token>)', undefined, {
        'WWW-Authenticate': header ? `${WWW_AUTHENTICATE}, error="invalid_token"` : WWW_AUTHENTICATE,
      });
    }
    const limit = await deps.rateLimit.consume(`scim:${caller.orgId}`, SCIM_RATE_LIMIT_PER_MINUTE, 60);
    if (!limit.allowed) {
      throw new ApiError('RATE_LIMITED', `too many SCIM requests; retry in ${limit.retryAfterSeconds} s`, undefined, { 'Retry-After': String(limit.retryAfterSeconds) });
    }
    callers.set(req, caller);
  };
  router.use((req, _res, next) => {
    authenticate(req).then(() => next(), next);
  });

  router.get('/ServiceProviderConfig', handle(async (_req, res) => send(res, 200, serviceProviderConfig(publicUrl))));
  router.get('/ResourceTypes', handle(async (_req, res) => send(res, 200, list(resourceTypes(publicUrl)))));
  router.get('/ResourceTypes/:id', handle(async (req, res) => send(res, 200, one(resourceTypes(publicUrl), idOf(req), 'ResourceType'))));
  router.get('/Schemas', handle(async (_req, res) => send(res, 200, list(schemas(publicUrl)))));
  router.get('/Schemas/:id', handle(async (req, res) => send(res, 200, one(schemas(publicUrl), idOf(req), 'Schema'))));

  // Users and Groups are the same six SCIM operations over their own store (RFC 7644 §3).
  const resource = (path: string, ops: ResourceOps) => {
    router.get(path, handle(async (req, res) => send(res, 200, await ops.list(deps.db, req.scim, req.query, publicUrl))));
    router.post(
      path,
      handle(async (req, res) => {
        const created = await ops.create(deps.db, req.scim, req.body, publicUrl);
        res.location((created.meta as { location: string }).location);
        send(res, 201, created);
      }),
    );
    router.get(`${path}/:id`, handle(async (req, res) => send(res, 200, await ops.get(deps.db, req.scim, idOf(req), publicUrl))));
    router.put(`${path}/:id`, handle(async (req, res) => send(res, 200, await ops.replace(deps.db, req.scim, idOf(req), req.body, publicUrl))));
    router.patch(`${path}/:id`, handle(async (req, res) => send(res, 200, await ops.patch(deps.db, req.scim, idOf(req), req.body, publicUrl))));
    router.delete(`${path}/:id`, handle(async (req, res) => send(res, 204, await ops.remove(deps.db, req.scim, idOf(req)))));
  };
  resource('/Users', { list: listScimUsers, create: createScimUser, get: getScimUser, replace: replaceScimUser, patch: patchScimUser, remove: deleteScimUser });
  resource('/Groups', { list: listScimGroups, create: createScimGroup, get: getScimGroup, replace: replaceScimGroup, patch: patchScimGroup, remove: deleteScimGroup });

  router.use((req, _res, next) => next(scimError(404, null, `no SCIM endpoint for ${req.method} ${req.baseUrl}${req.path}`)));
  return router;
}

const list = (resources: unknown[]) => ({ schemas: [SCIM_SCHEMAS.listResponse], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources });

function one<T extends { id: string }>(resources: T[], id: string, what: string): T {
  const found = resources.find((r) => r.id === id);
  if (!found) throw scimError(404, null, `${what} ${id} not found`);
  return found;
}
