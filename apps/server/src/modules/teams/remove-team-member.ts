import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { removeTeamMember as removeFromTeam } from './teams.ts';

export const removeTeamMember: Handler<Routes['removeTeamMember']> = async ({ auth, params, deps }) => ({
  status: 200,
  body: await removeFromTeam(deps.db, auth.org.id, params.id, params.userId, actorOf(auth)),
});
