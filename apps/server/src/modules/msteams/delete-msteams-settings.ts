import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { removeMsTeams } from './msteams-settings.ts';

/** `DELETE /api/v1/org/msteams`: admins, signed in; audit logged. */
export const deleteMsTeamsSettings: Handler<Routes['deleteMsTeamsSettings']> = async ({ auth, deps, log }) => {
  const settings = await removeMsTeams(deps.db, auth.org.id, actorOf(auth), deps.config.publicUrl);
  log.info({ org_id: auth.org.id, user_id: auth.principal.id }, 'Microsoft Teams turned off');
  return { status: 200, body: settings };
};
