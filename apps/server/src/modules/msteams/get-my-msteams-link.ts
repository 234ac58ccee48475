import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { readMsTeamsLink } from './msteams-settings.ts';

/** `GET /api/v1/me/msteams`: the signed-in member. */
export const getMyMsTeamsLink: Handler<Routes['getMyMsTeamsLink']> = async ({ auth, deps }) => ({
  status: 200,
  body: await readMsTeamsLink(deps.db, auth.org.id, auth.user!.id),
});
