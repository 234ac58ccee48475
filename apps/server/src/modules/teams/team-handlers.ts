import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { notFound } from '../../errors.ts';
import { addTeamMember as addToTeam, createTeam as create, deleteTeam as remove, getTeam as find, listTeams as list, removeTeamMember as removeFromTeam, renameTeam } from './teams.ts';

export const listTeams: Handler<Routes['listTeams']> = async ({ auth, deps }) => ({ status: 200, body: { data: await list(deps.db, auth.org.id) } });

export const getTeam: Handler<Routes['getTeam']> = async ({ auth, params, deps }) => {
  const team = await find(deps.db, auth.org.id, params.id);
  if (!team) throw notFound('team');
  return { status: 200, body: team };
};

export const createTeam: Handler<Routes['createTeam']> = async ({ auth, body, deps }) => ({
  status: 201,
  body: await create(deps.db, auth.org.id, body, actorOf(auth)),
});

export const updateTeam: Handler<Routes['updateTeam']> = async ({ auth, params, body, deps }) => ({
  status: 200,
  body: await renameTeam(deps.db, auth.org.id, params.id, body.name, actorOf(auth)),
});

export const deleteTeam: Handler<Routes['deleteTeam']> = async ({ auth, params, deps }) => ({
  status: 200,
  body: await remove(deps.db, auth.org.id, params.id, actorOf(auth)),
});

export const addTeamMember: Handler<Routes['addTeamMember']> = async ({ auth, params, body, deps }) => ({
  status: 200,
  body: await addToTeam(deps.db, auth.org.id, params.id, body.user_id, actorOf(auth)),
});

export const removeTeamMember: Handler<Routes['removeTeamMember']> = async ({ auth, params, deps }) => ({
  status: 200,
  body: await removeFromTeam(deps.db, auth.org.id, params.id, params.userId, actorOf(auth)),
});
