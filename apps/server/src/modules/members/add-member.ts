import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { addMember as addToOrg, toMemberJson } from './members.ts';
import { refusals } from './member-refusals.ts';

/** `POST /api/v1/members`: like `greenlight-admin init`, the new account gets a one-time sign-in link, answered once. */
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
