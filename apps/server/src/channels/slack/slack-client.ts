import type * as SlackWebApi from '@slack/web-api';
import type { WebClient } from '@slack/web-api';
import { lazyModule } from '../../lazy-module.ts';
import type { ApiAnswer } from '../../delivery/outbox/channel.ts';

/** Where and how long: GREENLIGHT_SLACK_API_URL (unset: Slack's own) and the delivery timeout. */
export interface SlackConnection {
  apiUrl?: string;
  timeoutMs: number;
}

/** Slack's Web API client, loaded by the first call to Slack (most servers never make one). */
const slack = lazyModule<typeof SlackWebApi>(import.meta.url, '@slack/web-api');

/**
 * A Web API client for one org's bot token. The outbox owns retries (its schedule, its delivery log,
 * its crash safety), so the client's own retries are off and a rate-limited call comes back as an
 * error carrying Retry-After instead of being queued inside the process.
 */
export function slackClient(token: string, conn: SlackConnection): WebClient {
  return new (slack().WebClient)(token, {
    ...(conn.apiUrl ? { slackApiUrl: conn.apiUrl.endsWith('/') ? conn.apiUrl : `${conn.apiUrl}/` } : {}),
    timeout: conn.timeoutMs,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logLevel: slack().LogLevel.ERROR,
  });
}

/** What one Web API call came to, in the delivery log's terms. */
export interface SlackCallResult<T> extends ApiAnswer<T> {
  /** Slack's error code (`channel_not_found`…), when Slack answered one. */
  slackError: string | null;
}

/**
 * Slack errors that another attempt of the same call cannot fix; anything else (rate limits, Slack's
 * own failures, timeouts, network errors) is retried on the outbox's schedule.
 */
const PERMANENT = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'not_allowed_token_type',
  'team_access_not_granted',
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'users_not_found',
  'user_not_found',
  'msg_too_long',
  'invalid_blocks',
  'invalid_arguments',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
  'restricted_action',
]);

/** Runs one Web API call and classifies how it ended; never throws. */
export async function callSlack<T>(call: () => Promise<T>): Promise<SlackCallResult<T>> {
  const startedAt = new Date();
  const t0 = performance.now();
  const base = () => ({ startedAt, durationMs: Math.round(performance.now() - t0) });
  try {
    const value = await call();
    return { ...base(), statusCode: 200, error: null, value, slackError: null, permanent: false, retryAfterMs: null };
  } catch (err) {
    const e = err as { code?: string; data?: { error?: string }; statusCode?: number; retryAfter?: number; message?: string };
    const { ErrorCode } = slack();
    switch (e.code) {
      case ErrorCode.PlatformError: {
        const code = e.data?.error ?? 'unknown_error';
        return { ...base(), statusCode: 200, error: `slack: ${code}`, value: null, slackError: code, permanent: PERMANENT.has(code), retryAfterMs: null };
      }
      case ErrorCode.RateLimitedError:
        return { ...base(), statusCode: 429, error: 'slack: ratelimited', value: null, slackError: 'ratelimited', permanent: false, retryAfterMs: (e.retryAfter ?? 1) * 1000 };
      case ErrorCode.HTTPError:
        return { ...base(), statusCode: e.statusCode ?? null, error: `slack: HTTP ${e.statusCode ?? 'error'}`, value: null, slackError: null, permanent: false, retryAfterMs: null };
      default:
        return { ...base(), statusCode: null, error: `slack: ${e.message ?? 'request failed'}`, value: null, slackError: null, permanent: false, retryAfterMs: null };
    }
  }
}
