/**
 * The Bot Framework Connector API, called by plain HTTP, one call per outbox attempt. Not through
 * botbuilder's ConnectorClient: it retries and times out on its own schedule and hides the status and
 * Retry-After that the outbox's schedule reads (delivery/outbox/channel.ts ApiAnswer); the calls are
 * the documented REST ones (POST and PUT /v3/conversations/{id}/activities). Inbound tokens are
 * checked with the SDK's own validation (msteams-auth.ts).
 *
 * A bot's Connector token comes from Microsoft Entra by client credentials (scope
 * https://api.botframework.com/.default) and is kept in this process until shortly before it expires.
 * It is sent only to a service URL a verified activity named (its `serviceurl` claim), or to the
 * configured GREENLIGHT_MSTEAMS_API_URL.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../../storage/database.ts';
import { secretKeys } from '../../security/sealed.ts';
import type { ApiAnswer } from '../../delivery/outbox/channel.ts';

export interface MsTeamsConnection {
  /** Where tokens come from (unset: Microsoft Entra for the bot's tenant, or botframework.com). */
  tokenUrl: string | undefined;
  /** The Connector API a channel post goes to before any activity named one (unset: Teams' global one). */
  apiUrl: string | undefined;
  timeoutMs: number;
}

/** The connection as the server's configuration sets it. */
export const msteamsConnection = (config: { GREENLIGHT_MSTEAMS_TOKEN_URL?: string | undefined; GREENLIGHT_MSTEAMS_API_URL?: string | undefined; GREENLIGHT_DELIVERY_TIMEOUT_MS: number }): MsTeamsConnection => ({
  tokenUrl: config.GREENLIGHT_MSTEAMS_TOKEN_URL,
  apiUrl: config.GREENLIGHT_MSTEAMS_API_URL,
  timeoutMs: config.GREENLIGHT_DELIVERY_TIMEOUT_MS,
});

/** Teams' global Connector API (Microsoft's documented service URL for proactive messages). */
export const DEFAULT_SERVICE_URL = 'https://smba.trafficmanager.net/teams/';
export const CONNECTOR_SCOPE = 'https://api.botframework.com/.default';

/** An org's Teams bot with its secret opened: only for getting tokens and checking activities. */
export interface MsTeamsBot {
  orgId: string;
  appId: string;
  appPassword: string;
  tenantId: string | null;
  channelId: string | null;
  serviceUrl: string | null;
}

export async function msteamsBotOf(db: Queryable, orgId: string): Promise<MsTeamsBot | null> {
  const { rows } = await db.query<{ app_id: string; app_password: string; tenant_id: string | null; channel_id: string | null; service_url: string | null }>(
    'SELECT app_id, app_password, tenant_id, channel_id, service_url FROM msteams_settings WHERE org_id = $1',
    [orgId],
  );
  const r = rows[0];
  if (!r) return null;
  return { orgId, appId: r.app_id, appPassword: secretKeys().open(r.app_password), tenantId: r.tenant_id, channelId: r.channel_id, serviceUrl: r.service_url };
}

export const tokenUrlOf = (bot: Pick<MsTeamsBot, 'tenantId'>, conn: MsTeamsConnection): string =>
  conn.tokenUrl ?? `https://login.microsoftonline.com/${bot.tenantId ?? 'botframework.com'}/oauth2/v2.0/token`;

/** Tokens by (token URL, app id, secret): a changed secret gets a new one. */
const tokens = new Map<string, { token: string; until: number }>();
const tokenKey = (bot: Pick<MsTeamsBot, 'appId' | 'appPassword' | 'tenantId'>, conn: MsTeamsConnection) =>
  createHash('sha256').update(`${tokenUrlOf(bot, conn)}\n${bot.appId}\n${bot.appPassword}`).digest('hex');

type Answer<T> = ApiAnswer<T>;

const retryAfterMs = (res: Response): number | null => {
  const v = res.headers.get('retry-after');
  if (!v) return null;
  const s = Number(v);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
};

async function readJson(res: Response): Promise<unknown> {
  const text = (await res.text()).slice(0, 1_000_000);
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** A token for the Connector API (cached), or the answer that refused one. */
export async function connectorToken(bot: Pick<MsTeamsBot, 'appId' | 'appPassword' | 'tenantId'>, conn: MsTeamsConnection): Promise<Answer<string>> {
  const key = tokenKey(bot, conn);
  const cached = tokens.get(key);
  const startedAt = new Date();
  const done = (r: Omit<Answer<string>, 'startedAt' | 'durationMs'>): Answer<string> => ({ startedAt, durationMs: Date.now() - startedAt.getTime(), ...r });
  if (cached && cached.until > Date.now()) return done({ statusCode: 200, error: null, value: cached.token, permanent: false, retryAfterMs: null });
  try {
    const res = await fetch(tokenUrlOf(bot, conn), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: bot.appId, client_secret: bot.appPassword, scope: CONNECTOR_SCOPE }).toString(),
      redirect: 'error',
      signal: AbortSignal.timeout(conn.timeoutMs),
    });
    const body = (await readJson(res)) as { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown } | null;
    if (!res.ok || typeof body?.access_token !== 'string') {
      const why = typeof body?.error === 'string' ? `${body.error}${typeof body.error_description === 'string' ? `: ${body.error_description.slice(0, 300)}` : ''}` : `HTTP ${res.status}`;
      // Entra refuses bad credentials with 400/401: another attempt with the same ones cannot help.
      return done({ statusCode: res.status, error: `msteams token: ${why}`, value: null, permanent: res.status === 400 || res.status === 401, retryAfterMs: retryAfterMs(res) });
    }
    const ttl = typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in ?? 3600);
    // Renewed five minutes before it expires, so a call never carries a token about to lapse.
    tokens.set(key, { token: body.access_token, until: Date.now() + Math.max(0, (Number.isFinite(ttl) ? ttl : 3600) - 300) * 1000 });
    return done({ statusCode: res.status, error: null, value: body.access_token, permanent: false, retryAfterMs: null });
  } catch (err) {
    return done({ statusCode: null, error: `msteams token: ${err instanceof Error ? err.message : String(err)}`, value: null, permanent: false, retryAfterMs: null });
  }
}

/** The URL of a Connector API path under a service URL (with or without its trailing slash). */
export function connectorUrl(serviceUrl: string, path: string): string {
  return new URL(path.replace(/^\/+/, ''), serviceUrl.endsWith('/') ? serviceUrl : `${serviceUrl}/`).toString();
}

export const activitiesPath = (conversationId: string, activityId?: string): string =>
  `v3/conversations/${encodeURIComponent(conversationId)}/activities${activityId ? `/${encodeURIComponent(activityId)}` : ''}`;

/**
 * One Connector API call as the bot. `permanent`: 400, 403 (the bot is not in the conversation, or
 * was blocked) or 404 (no such conversation or activity); a 401 drops the cached token and is retried.
 */
export async function callConnector<T = { id?: string }>(
  bot: MsTeamsBot,
  conn: MsTeamsConnection,
  method: 'POST' | 'PUT',
  serviceUrl: string,
  path: string,
  body: unknown,
): Promise<Answer<T>> {
  const token = await connectorToken(bot, conn);
  if (token.error !== null || !token.value) return { ...token, value: null };
  const startedAt = new Date();
  const done = (r: Omit<Answer<T>, 'startedAt' | 'durationMs'>): Answer<T> => ({ startedAt, durationMs: Date.now() - startedAt.getTime(), ...r });
  try {
    const res = await fetch(connectorUrl(serviceUrl, path), {
      method,
      headers: { authorization: `Bearer ${token.value}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      redirect: 'error',
      signal: AbortSignal.timeout(conn.timeoutMs),
    });
    const value = (await readJson(res)) as T | null;
    if (res.ok) return done({ statusCode: res.status, error: null, value, permanent: false, retryAfterMs: null });
    if (res.status === 401) tokens.delete(tokenKey(bot, conn));
    const detail = (value as { error?: { code?: string; message?: string } } | null)?.error;
    return done({
      statusCode: res.status,
      error: `msteams: ${res.status}${detail?.code ? ` ${detail.code}` : ''}${detail?.message ? `: ${String(detail.message).slice(0, 300)}` : ''}`,
      value: null,
      permanent: res.status === 400 || res.status === 403 || res.status === 404,
      retryAfterMs: retryAfterMs(res),
    });
  } catch (err) {
    return done({ statusCode: null, error: `msteams: ${err instanceof Error ? err.message : String(err)}`, value: null, permanent: false, retryAfterMs: null });
  }
}
