import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { renameTeam } from './teams.ts';

export const updateTeam: Handler<Routes['updateTeam']> = async ({ auth, params, body, deps }) => ({
  status: 200,
  body: await renameTeam(deps.db, auth.org.id, params.id, body.name, actorOf(auth)),
});
