import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { readDiscordSettings } from './discord-settings.ts';

/** `GET /api/v1/org/discord`: admins, signed in. */
export const getDiscordSettings: Handler<Routes['getDiscordSettings']> = async ({ auth, deps }) => ({
  status: 200,
  body: await readDiscordSettings(deps.db, auth.org.id, deps.config.publicUrl),
});
