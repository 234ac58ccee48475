import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { addTeamMember as addToTeam } from './teams.ts';

export const addTeamMember: Handler<Routes['addTeamMember']> = async ({ auth, params, body, deps }) => ({
  status: 200,
  body: await addToTeam(deps.db, auth.org.id, params.id, body.user_id, actorOf(auth)),
});
