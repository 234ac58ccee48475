import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { connectDiscord } from './discord-settings.ts';

/** `PUT /api/v1/org/discord`: admins, signed in; audit logged. */
export const updateDiscordSettings: Handler<Routes['updateDiscordSettings']> = async ({ auth, body, deps, log }) => {
  const conn = { apiUrl: deps.config.GREENLIGHT_DISCORD_API_URL, timeoutMs: deps.config.GREENLIGHT_DELIVERY_TIMEOUT_MS };
  const settings = await connectDiscord(deps.db, auth.org.id, body, actorOf(auth), deps.config.publicUrl, conn);
  log.info({ org_id: auth.org.id, user_id: auth.principal.id, application_id: settings.application_id }, 'Discord connected');
  return { status: 200, body: settings };
};
