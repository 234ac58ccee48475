import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { createLinkCode } from './discord-settings.ts';

/** `POST /api/v1/me/discord/code`: the signed-in member. */
export const createMyDiscordLinkCode: Handler<Routes['createMyDiscordLinkCode']> = async ({ auth, deps }) => ({
  status: 201,
  body: await createLinkCode(deps.db, auth.org.id, auth.user!.id),
});
