import { parseRetryAfter } from '@greenlight/triggers';

/**
 * The retry schedule: delays before each attempt, the first usually 0 ("now"). Standard Webhooks'
 * example schedule spans about three days; operators (and tests) replace it with
 * GREENLIGHT_DELIVERY_SCHEDULE, e.g. "0,5s,5m,30m,2h,5h,10h,14h,20h,24h".
 */
export const DEFAULT_DELIVERY_SCHEDULE = '0,5s,5m,30m,2h,5h,10h,14h,20h,24h';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const STEP = /^(\d{1,9})(ms|s|m|h|d)?$/;
/** More attempts than this would keep a dead receiver's rows around for weeks. */
export const MAX_SCHEDULE_LENGTH = 30;
const MAX_DELAY_MS = 7 * 86_400_000;

export type Schedule = readonly number[];

/** Parses "0,5s,5m" into milliseconds; throws an Error whose message says what is wrong. */
export function parseSchedule(text: string): Schedule {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.length > MAX_SCHEDULE_LENGTH) {
    throw new Error(`must list 1 to ${MAX_SCHEDULE_LENGTH} delays`);
  }
  return parts.map((p) => {
    const m = STEP.exec(p);
    if (!m) throw new Error(`"${p}" is not a delay such as 0, 500ms, 5s, 5m, 2h or 1d`);
    const ms = Number(m[1]) * UNIT_MS[(m[2] ?? 'ms') as keyof typeof UNIT_MS];
    if (ms > MAX_DELAY_MS) throw new Error(`"${p}" is longer than 7 days`);
    return ms;
  });
}

/**
 * Delay before attempt number `next` (1-based, counted from the start of the current schedule run),
 * or null when the schedule is exhausted. Jitter of ±20 % spreads the retries of many deliveries that
 * failed together (a receiver outage) so they do not all return in the same instant.
 */
export function delayBefore(schedule: Schedule, next: number, random: () => number = Math.random): number | null {
  const base = schedule[next - 1];
  if (base === undefined) return null;
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** A receiver's Retry-After (read as every package reads it: @greenlight/triggers), in ms from now; null when absent or unreadable. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | null {
  const seconds = parseRetryAfter(header, now);
  return seconds === undefined ? null : seconds * 1000;
}

/** A receiver cannot push a retry further out than a day: the schedule still ends in about three. */
export const MAX_RETRY_AFTER_MS = 86_400_000;
