/**
 * Which channels a member is told by, and when: the one place notifications consult preferences.
 * A member's own preferences in the org win; else the org's defaults; else the built-in ones
 * (every channel that reaches them, no quiet hours, no digest).
 */
import {
  DEFAULT_NOTIFICATION_PREFERENCES,
  DIGEST_ONLY_DEFAULT_HOUR,
  NotificationPreferences,
  PERSON_CHANNELS,
  type NotificationPreferences as Preferences,
} from '@greenlight/contract';
import type { NotificationKind } from '../delivery/outbox/channel.ts';

/**
 * The channels each choice of the contract's NotificationChannels names (each channel that tells people
 * says its `preference`). `both`, the default, is every channel: Telegram and Discord reach only those who linked
 * an account, which is their choice of it.
 */
const CHANNELS_OF: Record<Preferences['channels'], readonly string[]> = { email: ['email'], slack: ['slack'], both: PERSON_CHANNELS, digest_only: [] };

/**
 * The channels a member gets a message of `kind` by, each with when it may be sent: `at` itself, or
 * the end of their quiet hours when `at` falls in them (deferred, never dropped). A channel that is
 * absent is not used. The member's choice for the kind (`by_kind`) comes first; else `channels`:
 * `digest_only` gets no message per request on any channel. The digest comes at the hour the member
 * chose (it is not held by quiet hours), by the channels they chose (`digest_only`: any that reaches them).
 */
export function channelsFor(prefs: Preferences, at: Date, kind: NotificationKind = 'approval_request'): Partial<Record<string, Date>> {
  const chosen = prefs.by_kind?.[kind];
  if (kind === 'digest') {
    return Object.fromEntries((chosen ?? (prefs.channels === 'digest_only' ? CHANNELS_OF.both : CHANNELS_OF[prefs.channels])).map((c) => [c, at]));
  }
  const sendAt = quietUntil(prefs, at) ?? at;
  return Object.fromEntries((chosen ?? CHANNELS_OF[prefs.channels]).map((c) => [c, sendAt]));
}

/** The hour of the member's daily digest, or null for none (`digest_only` always has one). */
export function digestHourOf(prefs: Preferences): number | null {
  return prefs.digest_hour ?? (prefs.channels === 'digest_only' ? DIGEST_ONLY_DEFAULT_HOUR : null);
}

/** The local date (YYYY-MM-DD) and minute of the day of `at` in `timeZone`. */
export function localClock(at: Date, timeZone: string): { date: string; minute: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * When the quiet hours that `at` falls in end, or null when it falls in none. Quiet hours may span
 * midnight. The end is found by adding the minutes left on the local clock, so on the night a
 * time zone changes its offset the end can be an hour off.
 */
export function quietUntil(prefs: Preferences, at: Date): Date | null {
  const q = prefs.quiet_hours;
  if (!q) return null;
  const start = minutesOf(q.start);
  const end = minutesOf(q.end);
  const { minute } = localClock(at, prefs.time_zone);
  const inQuiet = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!inQuiet) return null;
  const left = (end - minute + 1440) % 1440;
  const startOfMinute = at.getTime() - (at.getTime() % 60_000);
  return new Date(startOfMinute + left * 60_000);
}

/** Stored preferences (jsonb) as the contract's; anything unreadable counts as absent. */
export function parsePreferences(stored: unknown): Preferences | null {
  const r = NotificationPreferences.safeParse(stored);
  return r.success ? r.data : null;
}

/**
 * The stored preferences of each of the users `ids` (an SQL expression of a uuid[]: `$2`, a subquery)
 * in the org `$1`, with the org's defaults: rows (user_id, own, defaults), read by `preferencesFrom`.
 * notify/tell.ts reads it in the statement that reads the channels' facts of the org (one round trip for both).
 */
export function preferencesSql(ids: string): string {
  return `SELECT u.id AS user_id, p.preferences AS own, o.notification_defaults AS defaults
       FROM unnest(${ids}::uuid[]) AS u (id)
       JOIN orgs o ON o.id = $1
       LEFT JOIN notification_preferences p ON p.org_id = $1 AND p.user_id = u.id`;
}

/** The preferences that apply to each user of preferencesSql's rows (own, else org defaults, else built-in). */
export function preferencesFrom(rows: ReadonlyArray<{ user_id: string; own: unknown; defaults: unknown }>): Map<string, Preferences> {
  return new Map(rows.map((r) => [r.user_id, parsePreferences(r.own) ?? parsePreferences(r.defaults) ?? DEFAULT_NOTIFICATION_PREFERENCES]));
}
