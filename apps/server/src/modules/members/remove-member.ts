import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { notFound } from '../../errors.ts';
import { removeMember as removeFromOrg, toMemberJson } from './members.ts';
import { refusals } from './member-refusals.ts';

export const removeMember: Handler<Routes['removeMember']> = async ({ auth, params, deps, log }) => {
  const member = await refusals(() => removeFromOrg(deps.db, auth.org.id, params.userId, actorOf(auth)));
  if (!member) throw notFound('member');
  log.info({ org_id: auth.org.id, user_id: auth.principal.id, member_id: member.user_id }, 'member removed');
  return { status: 200, body: toMemberJson(member) };
};
