/**
 * Discord's HTTP API (v10) at a configurable base (GREENLIGHT_DISCORD_API_URL; tests point it at a
 * local stand-in), each call bounded by GREENLIGHT_DELIVERY_TIMEOUT_MS. Plain fetch rather than
 * @discordjs/rest: that client queues and waits out rate limits itself, where the outbox must see a
 * 429 and its retry_after to schedule the row. A call's result says what the outbox needs: Discord's
 * status and error, whether a retry can help, and the wait Discord asked for.
 */
import type { Queryable } from '../../storage/database.ts';
import { secretKeys } from '../../security/sealed.ts';
import type { ApiAnswer } from '../../delivery/outbox/channel.ts';

export const DISCORD_API = 'https://discord.com/api/v10';

export interface DiscordConnection {
  /** The API base with its version (`https://discord.com/api/v10` unset). */
  apiUrl: string | undefined;
  timeoutMs: number;
}

/** `permanent`: a 400, 401, 403 or 404 (an unknown channel, a person who does not accept the bot's messages…). */
export type DiscordCallResult<T> = ApiAnswer<T>;

/** One call: `auth` is a bot token, or null for the interaction webhooks (their token is in the path). */
export async function callDiscord<T>(conn: DiscordConnection, auth: string | null, method: 'GET' | 'POST' | 'PATCH' | 'PUT', path: string, body?: unknown): Promise<DiscordCallResult<T>> {
  const startedAt = new Date();
  const done = (r: Omit<DiscordCallResult<T>, 'startedAt' | 'durationMs'>): DiscordCallResult<T> => ({ startedAt, durationMs: Date.now() - startedAt.getTime(), ...r });
  const base = (conn.apiUrl ?? DISCORD_API).replace(/\/+$/, '');
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(auth ? { authorization: `Bot ${auth}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        'user-agent': 'DiscordBot (https://github.com/greenlight, 1.0)',
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(conn.timeoutMs),
      redirect: 'manual',
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (res.ok) return done({ statusCode: res.status, error: null, value: json as T, permanent: false, retryAfterMs: null });
    const err = (json ?? {}) as { message?: unknown; code?: unknown; retry_after?: unknown };
    const header = Number(res.headers.get('retry-after'));
    const retryAfter = typeof err.retry_after === 'number' ? err.retry_after : Number.isFinite(header) && header > 0 ? header : null;
    return done({
      statusCode: res.status,
      error: `discord: ${res.status} ${typeof err.code === 'number' ? `${err.code} ` : ''}${typeof err.message === 'string' ? err.message.slice(0, 300) : res.statusText}`,
      value: null,
      permanent: [400, 401, 403, 404].includes(res.status),
      retryAfterMs: res.status === 429 && retryAfter !== null ? Math.ceil(retryAfter * 1000) : null,
    });
  } catch (err) {
    return done({ statusCode: null, error: `discord: ${err instanceof Error ? err.message : String(err)}`, value: null, permanent: false, retryAfterMs: null });
  }
}

/** An org's Discord application with its secrets opened: only for calling Discord and verifying its interactions. */
export interface DiscordApp {
  orgId: string;
  applicationId: string;
  botToken: string;
  publicKey: string;
  channelId: string | null;
}

export async function discordAppOf(db: Queryable, orgId: string): Promise<DiscordApp | null> {
  const { rows } = await db.query<{ application_id: string; bot_token: string; public_key: string; channel_id: string | null }>(
    'SELECT application_id, bot_token, public_key, channel_id FROM discord_settings WHERE org_id = $1',
    [orgId],
  );
  const r = rows[0];
  if (!r) return null;
  const keys = secretKeys();
  return { orgId, applicationId: r.application_id, botToken: keys.open(r.bot_token), publicKey: keys.open(r.public_key), channelId: r.channel_id };
}
