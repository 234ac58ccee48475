import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { createTeam as create } from './teams.ts';

export const createTeam: Handler<Routes['createTeam']> = async ({ auth, body, deps }) => ({
  status: 201,
  body: await create(deps.db, auth.org.id, body, actorOf(auth)),
});
