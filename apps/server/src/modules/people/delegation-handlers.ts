import type { Routes } from '@greenlight/contract';
import type { AuthContext, Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { notFound } from '../../errors.ts';
import { getDelegation, removeDelegation, setDelegation } from './delegations.ts';

/** The dashboard routes are session-only (the contract): there is always a person. */
const me = (auth: AuthContext) => auth.user!.id;

export const getMyDelegation: Handler<Routes['getMyDelegation']> = async ({ auth, deps }) => ({
  status: 200,
  body: { delegation: await getDelegation(deps.db, auth.org.id, me(auth)) },
});

export const setMyDelegation: Handler<Routes['setMyDelegation']> = async ({ auth, body, deps }) => ({
  status: 200,
  body: { delegation: await setDelegation(deps.db, auth.org.id, me(auth), body, actorOf(auth)) },
});

export const deleteMyDelegation: Handler<Routes['deleteMyDelegation']> = async ({ auth, deps }) => {
  await removeDelegation(deps.db, auth.org.id, me(auth), actorOf(auth));
  return { status: 200, body: { delegation: null } };
};

export const getMemberDelegation: Handler<Routes['getMemberDelegation']> = async ({ auth, params, deps }) => {
  const { rows } = await deps.db.query('SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2', [auth.org.id, params.userId]);
  if (rows.length === 0) throw notFound('member');
  return { status: 200, body: { delegation: await getDelegation(deps.db, auth.org.id, params.userId) } };
};

export const setMemberDelegation: Handler<Routes['setMemberDelegation']> = async ({ auth, params, body, deps }) => ({
  status: 200,
  body: { delegation: await setDelegation(deps.db, auth.org.id, params.userId, body, actorOf(auth)) },
});

export const deleteMemberDelegation: Handler<Routes['deleteMemberDelegation']> = async ({ auth, params, deps }) => {
  await removeDelegation(deps.db, auth.org.id, params.userId, actorOf(auth));
  return { status: 200, body: { delegation: null } };
};
