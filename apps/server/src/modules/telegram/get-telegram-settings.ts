import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { readTelegramSettings } from './telegram-settings.ts';

/** `GET /api/v1/org/telegram`: admins, signed in. */
export const getTelegramSettings: Handler<Routes['getTelegramSettings']> = async ({ auth, deps }) => ({
  status: 200,
  body: await readTelegramSettings(deps.db, auth.org.id, deps.config.publicUrl),
});
