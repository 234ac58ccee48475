import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import * as connections from './connections.ts';

/**
 * `GET /api/v1/connections`: an admin sees every active connection of the org (API keys and every
 * member's OAuth grants); anyone else sees the grants they gave themselves (`ownedBy`, set by the router).
 */
export const listConnections: Handler<Routes['listConnections']> = async ({ auth, ownedBy, deps }) => {
  const rows = await connections.listActiveConnections(deps.db, auth.org.id, ownedBy ? { ofUser: ownedBy.id } : {});
  return {
    status: 200,
    body: {
      data: rows.map((c) =>
        connections.toConnectionJson(
          c,
          c.user_email === null ? null : { email: c.user_email, name: c.user_name },
          c.creator_email === null ? null : { email: c.creator_email, name: c.creator_name },
        ),
      ),
    },
  };
};
