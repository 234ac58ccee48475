import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { notFound } from '../../errors.ts';
import { changeMember, toMemberJson } from './members.ts';
import { refusals } from './member-refusals.ts';

export const updateMember: Handler<Routes['updateMember']> = async ({ auth, params, body, deps, log }) => {
  const member = await refusals(() => changeMember(deps.db, auth.org.id, params.userId, body, actorOf(auth)));
  if (!member) throw notFound('member');
  log.info({ org_id: auth.org.id, user_id: auth.principal.id, member_id: member.user_id, role: member.role, see_sensitive: member.see_sensitive }, 'member changed');
  return { status: 200, body: toMemberJson(member) };
};
