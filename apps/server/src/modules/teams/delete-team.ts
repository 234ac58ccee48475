import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { deleteTeam as remove } from './teams.ts';

export const deleteTeam: Handler<Routes['deleteTeam']> = async ({ auth, params, deps }) => ({
  status: 200,
  body: await remove(deps.db, auth.org.id, params.id, actorOf(auth)),
});
