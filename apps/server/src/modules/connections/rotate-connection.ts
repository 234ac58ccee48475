import { API_KEY_LIMITS, type Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { notFound } from '../../errors.ts';
import * as connections from './connections.ts';
import { actorOf } from '../../core/audit.ts';

/**
 * `POST /api/v1/connections/{id}/rotate`: a new API key in place of an old one, which keeps working
 * for the overlap so the new key can be put in place without an outage. The new key is answered once.
 */
export const rotateConnection: Handler<Routes['rotateConnection']> = async ({ auth, params, body, deps, log }) => {
  const rotated = await connections.rotateApiKey(
    deps.db,
    auth.org.id,
    params.id,
    {
      overlapSeconds: body.overlap_seconds ?? API_KEY_LIMITS.defaultOverlapSeconds,
      expiresAt: body.expires_at ? new Date(body.expires_at) : undefined,
      createdByUserId: auth.user?.id ?? null,
    },
    actorOf(auth),
  );
  if (!rotated) throw notFound('API key');
  log.info({ org_id: auth.org.id, user_id: auth.principal.id, connection_id: params.id, new_connection_id: rotated.connection.id }, 'API key rotated');
  const person = async (id: string | null) =>
    id ? ((await deps.db.query<{ email: string; name: string | null }>('SELECT email, name FROM users WHERE id = $1', [id])).rows[0] ?? null) : null;
  return {
    status: 201,
    body: {
      connection: { ...connections.toConnectionJson(rotated.connection, null, auth.user), api_key: rotated.apiKey },
      previous: connections.toConnectionJson(rotated.previous, null, await person(rotated.previous.created_by_user_id)),
    },
  };
};
