import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { ApiError, notFound } from '../../errors.ts';
import { addMember as addToOrg, AlreadyMemberError, changeMember, LastAdminError, listMembers as membersOf, removeMember as removeFromOrg, toMemberJson } from './members.ts';

/** Turns the domain refusals of members.ts into API errors. */
async function refusals<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof LastAdminError) throw new ApiError('LAST_ADMIN', err.message);
    if (err instanceof AlreadyMemberError) throw new ApiError('ALREADY_MEMBER', err.message);
    throw err;
  }
}

export const listMembers: Handler<Routes['listMembers']> = async ({ auth, deps }) => {
  return { status: 200, body: { data: (await membersOf(deps.db, auth.org.id)).map(toMemberJson) } };
};

/** `POST /api/v1/members`: like `greenlight init`, the new account gets a one-time sign-in link, answered once. */
export const addMember: Handler<Routes['addMember']> = async ({ auth, body, deps, log }) => {
  const { member, signInToken, signInExpiresAt } = await refusals(() => addToOrg(deps.db, auth.org.id, body, actorOf(auth), { email: deps.config.mail !== null }));
  log.info({ org_id: auth.org.id, user_id: auth.principal.id, member_id: member.user_id, role: member.role }, 'member added');
  return {
    status: 201,
    body: {
      member: toMemberJson(member),
      sign_in_url: signInToken ? `${deps.config.publicUrl}/sign-in/${signInToken}` : null,
      sign_in_expires_at: signInExpiresAt ? signInExpiresAt.toISOString() : null,
    },
  };
};

export const updateMember: Handler<Routes['updateMember']> = async ({ auth, params, body, deps, log }) => {
  const member = await refusals(() => changeMember(deps.db, auth.org.id, params.userId, body, actorOf(auth)));
  if (!member) throw notFound('member');
  log.info({ org_id: auth.org.id, user_id: auth.principal.id, member_id: member.user_id, role: member.role, see_sensitive: member.see_sensitive }, 'member changed');
  return { status: 200, body: toMemberJson(member) };
};

export const removeMember: Handler<Routes['removeMember']> = async ({ auth, params, deps, log }) => {
  const member = await refusals(() => removeFromOrg(deps.db, auth.org.id, params.userId, actorOf(auth)));
  if (!member) throw notFound('member');
  log.info({ org_id: auth.org.id, user_id: auth.principal.id, member_id: member.user_id }, 'member removed');
  return { status: 200, body: toMemberJson(member) };
};
