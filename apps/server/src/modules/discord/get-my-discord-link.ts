import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { readDiscordLink } from './discord-settings.ts';

/** `GET /api/v1/me/discord`: the signed-in member. */
export const getMyDiscordLink: Handler<Routes['getMyDiscordLink']> = async ({ auth, deps }) => ({
  status: 200,
  body: await readDiscordLink(deps.db, auth.org.id, auth.user!.id),
});
