import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { createLinkCode } from './telegram-settings.ts';

/** `POST /api/v1/me/telegram/code`: the signed-in member. */
export const createMyTelegramLinkCode: Handler<Routes['createMyTelegramLinkCode']> = async ({ auth, deps }) => ({
  status: 201,
  body: await createLinkCode(deps.db, auth.org.id, auth.user!.id),
});
