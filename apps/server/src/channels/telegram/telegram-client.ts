/**
 * The Telegram Bot API through grammY's client, at a configurable root (GREENLIGHT_TELEGRAM_API_URL;
 * tests point it at a local stand-in), each call bounded by GREENLIGHT_DELIVERY_TIMEOUT_MS. A call's
 * result says what the outbox needs: Telegram's error code, whether a retry can help, and the wait
 * Telegram asked for (429's retry_after).
 */
import type * as Grammy from 'grammy';
import type { Api } from 'grammy';
import { lazyModule } from '../../lazy-module.ts';
import type { Queryable } from '../../storage/database.ts';
import { secretKeys } from '../../security/sealed.ts';
import type { ApiAnswer } from '../../delivery/outbox/channel.ts';

export interface TelegramConnection {
  /** The Bot API root (`https://api.telegram.org` unset). */
  apiUrl: string | undefined;
  timeoutMs: number;
}

/** grammY, loaded by the first call to Telegram (most servers never make one). */
const grammy = lazyModule<typeof Grammy>(import.meta.url, 'grammy');

export function telegramApi(botToken: string, conn: TelegramConnection): Api {
  return new (grammy().Api)(botToken, {
    ...(conn.apiUrl ? { apiRoot: conn.apiUrl.replace(/\/+$/, '') } : {}),
    timeoutSeconds: Math.max(1, Math.ceil(conn.timeoutMs / 1000)),
    fetch: globalThis.fetch as never,
  });
}

/** `permanent`: a 400 or 403 other than a rate limit. */
export type TelegramCallResult<T> = ApiAnswer<T>;

export async function callTelegram<T>(call: () => Promise<T>): Promise<TelegramCallResult<T>> {
  const startedAt = new Date();
  const done = (r: Omit<TelegramCallResult<T>, 'startedAt' | 'durationMs'>): TelegramCallResult<T> => ({ startedAt, durationMs: Date.now() - startedAt.getTime(), ...r });
  try {
    const value = await call();
    return done({ statusCode: 200, error: null, value, permanent: false, retryAfterMs: null });
  } catch (err) {
    if (err instanceof grammy().GrammyError) {
      const retryAfter = err.parameters.retry_after;
      return done({
        statusCode: err.error_code,
        error: `telegram: ${err.error_code} ${err.description}`,
        value: null,
        permanent: err.error_code === 400 || err.error_code === 403 || err.error_code === 401 || err.error_code === 404,
        retryAfterMs: typeof retryAfter === 'number' ? retryAfter * 1000 : null,
      });
    }
    return done({ statusCode: null, error: `telegram: ${err instanceof Error ? err.message : String(err)}`, value: null, permanent: false, retryAfterMs: null });
  }
}

/** An org's Telegram bot with its secrets opened: only for calling Telegram and checking its webhook. */
export interface TelegramBot {
  orgId: string;
  botToken: string;
  webhookSecret: string;
  botUsername: string | null;
}

export async function telegramBotOf(db: Queryable, orgId: string): Promise<TelegramBot | null> {
  const { rows } = await db.query<{ bot_token: string; webhook_secret: string; bot_username: string | null }>(
    'SELECT bot_token, webhook_secret, bot_username FROM telegram_settings WHERE org_id = $1',
    [orgId],
  );
  const r = rows[0];
  if (!r) return null;
  const keys = secretKeys();
  return { orgId, botToken: keys.open(r.bot_token), webhookSecret: keys.open(r.webhook_secret), botUsername: r.bot_username };
}
