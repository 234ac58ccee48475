import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { unlink } from './discord-settings.ts';

/** `DELETE /api/v1/me/discord`: the signed-in member. */
export const deleteMyDiscordLink: Handler<Routes['deleteMyDiscordLink']> = async ({ auth, deps, log }) => {
  const link = await unlink(deps.db, auth.org.id, auth.user!.id);
  log.info({ org_id: auth.org.id, user_id: auth.user!.id }, 'Discord account unlinked');
  return { status: 200, body: link };
};
