import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { removeTelegram } from './telegram-settings.ts';

/** `DELETE /api/v1/org/telegram`: admins, signed in; audit logged. */
export const deleteTelegramSettings: Handler<Routes['deleteTelegramSettings']> = async ({ auth, deps, log }) => {
  const settings = await removeTelegram(deps.db, auth.org.id, actorOf(auth), deps.config.publicUrl);
  log.info({ org_id: auth.org.id, user_id: auth.principal.id }, 'Telegram turned off');
  return { status: 200, body: settings };
};
