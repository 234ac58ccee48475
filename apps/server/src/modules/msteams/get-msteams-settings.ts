import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { readMsTeamsSettings } from './msteams-settings.ts';

/** `GET /api/v1/org/msteams`: admins, signed in. */
export const getMsTeamsSettings: Handler<Routes['getMsTeamsSettings']> = async ({ auth, deps }) => ({
  status: 200,
  body: await readMsTeamsSettings(deps.db, auth.org.id, deps.config.publicUrl),
});
