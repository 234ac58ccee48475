import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { removeDiscord } from './discord-settings.ts';

/** `DELETE /api/v1/org/discord`: admins, signed in; audit logged. */
export const deleteDiscordSettings: Handler<Routes['deleteDiscordSettings']> = async ({ auth, deps, log }) => {
  const settings = await removeDiscord(deps.db, auth.org.id, actorOf(auth), deps.config.publicUrl);
  log.info({ org_id: auth.org.id, user_id: auth.principal.id }, 'Discord turned off');
  return { status: 200, body: settings };
};
