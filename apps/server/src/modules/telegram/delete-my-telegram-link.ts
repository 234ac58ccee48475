import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { unlink } from './telegram-settings.ts';

/** `DELETE /api/v1/me/telegram`: the signed-in member. */
export const deleteMyTelegramLink: Handler<Routes['deleteMyTelegramLink']> = async ({ auth, deps, log }) => {
  const link = await unlink(deps.db, auth.org.id, auth.user!.id);
  log.info({ org_id: auth.org.id, user_id: auth.user!.id }, 'Telegram account unlinked');
  return { status: 200, body: link };
};
