import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { msteamsConnection } from '../../channels/msteams/msteams-client.ts';
import { connectMsTeams } from './msteams-settings.ts';

/** `PUT /api/v1/org/msteams`: admins, signed in; audit logged. */
export const updateMsTeamsSettings: Handler<Routes['updateMsTeamsSettings']> = async ({ auth, body, deps, log }) => {
  const settings = await connectMsTeams(deps.db, auth.org.id, body, actorOf(auth), deps.config.publicUrl, msteamsConnection(deps.config));
  log.info({ org_id: auth.org.id, user_id: auth.principal.id, app_id: settings.app_id }, 'Microsoft Teams connected');
  return { status: 200, body: settings };
};
