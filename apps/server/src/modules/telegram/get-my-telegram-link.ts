import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { readTelegramLink } from './telegram-settings.ts';

/** `GET /api/v1/me/telegram`: the signed-in member. */
export const getMyTelegramLink: Handler<Routes['getMyTelegramLink']> = async ({ auth, deps }) => ({
  status: 200,
  body: await readTelegramLink(deps.db, auth.org.id, auth.user!.id),
});
