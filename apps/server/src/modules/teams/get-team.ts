import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { notFound } from '../../errors.ts';
import { getTeam as find } from './teams.ts';

export const getTeam: Handler<Routes['getTeam']> = async ({ auth, params, deps }) => {
  const team = await find(deps.db, auth.org.id, params.id);
  if (!team) throw notFound('team');
  return { status: 200, body: team };
};
