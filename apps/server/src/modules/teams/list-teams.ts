import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { listTeams as list } from './teams.ts';

export const listTeams: Handler<Routes['listTeams']> = async ({ auth, deps }) => ({ status: 200, body: { data: await list(deps.db, auth.org.id) } });
