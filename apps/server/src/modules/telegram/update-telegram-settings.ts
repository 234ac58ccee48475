import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { connectTelegram } from './telegram-settings.ts';

/** `PUT /api/v1/org/telegram`: admins, signed in; audit logged. */
export const updateTelegramSettings: Handler<Routes['updateTelegramSettings']> = async ({ auth, body, deps, log }) => {
  const conn = { apiUrl: deps.config.GREENLIGHT_TELEGRAM_API_URL, timeoutMs: deps.config.GREENLIGHT_DELIVERY_TIMEOUT_MS };
  const settings = await connectTelegram(deps.db, auth.org.id, body.bot_token, actorOf(auth), deps.config.publicUrl, conn);
  log.info({ org_id: auth.org.id, user_id: auth.principal.id, bot_username: settings.bot_username }, 'Telegram connected');
  return { status: 200, body: settings };
};
