import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { notFound } from '../../errors.ts';
import { getDelegation } from './delegations.ts';

export const getMemberDelegation: Handler<Routes['getMemberDelegation']> = async ({ auth, params, deps }) => {
  const { rows } = await deps.db.query('SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2', [auth.org.id, params.userId]);
  if (rows.length === 0) throw notFound('member');
  return { status: 200, body: { delegation: await getDelegation(deps.db, auth.org.id, params.userId) } };
};
