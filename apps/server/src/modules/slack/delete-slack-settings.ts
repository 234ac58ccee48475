import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { removeSlackSettings } from './slack-settings.ts';

/** `DELETE /api/v1/org/slack`: admins, signed in; audit logged. */
export const deleteSlackSettings: Handler<Routes['deleteSlackSettings']> = async ({ auth, deps, log }) => {
  const settings = await removeSlackSettings(deps.db, auth.org.id, actorOf(auth), deps.config.publicUrl);
  log.info({ org_id: auth.org.id, user_id: auth.principal.id }, 'Slack turned off');
  return { status: 200, body: settings };
};
