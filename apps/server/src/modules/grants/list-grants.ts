import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { listGrants as readGrants, toGrant } from '../../core/deciders/grant.ts';

/** `GET /api/v1/grants`: the grants the caller may see (core/deciders/grant.ts says which), newest first. */
export const listGrants: Handler<Routes['listGrants']> = async ({ query, auth, deps }) => {
  const rows = await readGrants(deps.db, auth.org.id, auth, query.status);
  return { status: 200, body: { data: rows.map((g) => toGrant(g, auth)) } };
};
