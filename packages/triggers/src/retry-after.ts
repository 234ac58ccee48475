/**
 * The one reader of `Retry-After` (RFC 9110 §10.2.3) for every package that honours it: the client's
 * retries, the trigger layer's throttle errors (n8n, Zapier), and the server's delivery of callbacks.
 *
 *   Retry-After = HTTP-date / delay-seconds
 *
 * delay-seconds is `1*DIGIT`. An HTTP-date (§5.6.7) is the IMF-fixdate
 * `Sun, 06 Nov 1994 08:49:37 GMT`, or one of the two obsolete forms a recipient must still accept:
 * RFC 850's `Sunday, 06-Nov-94 08:49:37 GMT` (a two-digit year more than 50 years ahead is the
 * century before) and asctime's `Sun Nov  6 08:49:37 1994`, all in UTC.
 *
 * Answers whole seconds to wait from `now` (a date reached or past: 0), or undefined when the value
 * is absent or neither form: a negative or fractional number, or ISO 8601 text such as
 * `2026-11-23T12:01:00Z`, which `Date.parse` would read but which is not an HTTP-date. What to do then
 * (a default wait, the retry schedule) and how long is too long are each caller's own decision.
 * The weekday is not checked against the date.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = httpDate(text, now);
  return at === undefined ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const DAY_NAME = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC850_DATE = new RegExp(`^${DAY_NAME}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

/** Milliseconds since the epoch of an HTTP-date in any of its three forms; undefined if it is none or names no real instant. */
function httpDate(text: string, now: number): number | undefined {
  let parts: [year: number, month: string, day: string, hour: string, minute: string, second: string] | undefined;
  let m: RegExpExecArray | null;
  if ((m = IMF_FIXDATE.exec(text))) parts = [Number(m[3]), m[2]!, m[1]!, m[4]!, m[5]!, m[6]!];
  else if ((m = RFC850_DATE.exec(text))) {
    const twoDigits = Number(m[3]);
    const thisYear = new Date(now).getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + twoDigits;
    if (year > thisYear + 50) year -= 100;
    parts = [year, m[2]!, m[1]!, m[4]!, m[5]!, m[6]!];
  } else if ((m = ASCTIME_DATE.exec(text))) parts = [Number(m[6]), m[1]!, m[2]!.trim(), m[3]!, m[4]!, m[5]!];
  if (!parts) return undefined;
  const [year, monthName, day, hour, minute, second] = parts;
  const month = MONTHS.indexOf(monthName);
  const d = Number(day);
  const h = Number(hour);
  const min = Number(minute);
  // 60: a leap second, which the RFC's grammar allows.
  const s = Number(second);
  if (h > 23 || min > 59 || s > 60) return undefined;
  const at = Date.UTC(year, month, d, h, min, Math.min(s, 59));
  // 31 Feb and the like roll over into the next month: not a date.
  if (new Date(at).getUTCDate() !== d) return undefined;
  return at + (s === 60 ? 1000 : 0);
}
