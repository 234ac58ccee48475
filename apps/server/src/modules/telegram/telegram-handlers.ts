import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { connectTelegram, createLinkCode, readTelegramLink, readTelegramSettings, removeTelegram, unlink } from './telegram-settings.ts';

/** `GET /api/v1/org/telegram`: admins, signed in. */
export const getTelegramSettings: Handler<Routes['getTelegramSettings']> = async ({ auth, deps }) => ({
  status: 200,
  body: await readTelegramSettings(deps.db, auth.org.id, deps.config.publicUrl),
});

/** `PUT /api/v1/org/telegram`: admins, signed in; audit logged. */
export const updateTelegramSettings: Handler<Routes['updateTelegramSettings']> = async ({ auth, body, deps, log }) => {
  const conn = { apiUrl: deps.config.GREENLIGHT_TELEGRAM_API_URL, timeoutMs: deps.config.GREENLIGHT_DELIVERY_TIMEOUT_MS };
  const settings = await connectTelegram(deps.db, auth.org.id, body.bot_token, actorOf(auth), deps.config.publicUrl, conn);
  log.info({ org_id: auth.org.id, user_id: auth.principal.id, bot_username: settings.bot_username }, 'Telegram connected');
  return { status: 200, body: settings };
};

/** `DELETE /api/v1/org/telegram`: admins, signed in; audit logged. */
export const deleteTelegramSettings: Handler<Routes['deleteTelegramSettings']> = async ({ auth, deps, log }) => {
  const settings = await removeTelegram(deps.db, auth.org.id, actorOf(auth), deps.config.publicUrl);
  log.info({ org_id: auth.org.id, user_id: auth.principal.id }, 'Telegram turned off');
  return { status: 200, body: settings };
};

/** `GET /api/v1/me/telegram`: the signed-in member. */
export const getMyTelegramLink: Handler<Routes['getMyTelegramLink']> = async ({ auth, deps }) => ({
  status: 200,
  body: await readTelegramLink(deps.db, auth.org.id, auth.user!.id),
});

/** `POST /api/v1/me/telegram/code`: the signed-in member. */
export const createMyTelegramLinkCode: Handler<Routes['createMyTelegramLinkCode']> = async ({ auth, deps }) => ({
  status: 201,
  body: await createLinkCode(deps.db, auth.org.id, auth.user!.id),
});

/** `DELETE /api/v1/me/telegram`: the signed-in member. */
export const deleteMyTelegramLink: Handler<Routes['deleteMyTelegramLink']> = async ({ auth, deps, log }) => {
  const link = await unlink(deps.db, auth.org.id, auth.user!.id);
  log.info({ org_id: auth.org.id, user_id: auth.user!.id }, 'Telegram account unlinked');
  return { status: 200, body: link };
};
