/** Times as people read them: "in 3 h", "5 min ago". */
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function fromNow(iso: string, now = Date.now()): string {
  const diff = new Date(iso).getTime() - now;
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms || unit === 'second') return relative.format(Math.round(diff / ms), unit);
  }
  return '';
}

export const formatDate = (iso: string): string => absolute.format(new Date(iso));

/** Time left before expiry, for the inbox; null when the request does not expire. */
export function expiryLabel(expiresAt: string | null, now = Date.now()): { text: string; soon: boolean; past: boolean } | null {
  if (!expiresAt) return null;
  const left = new Date(expiresAt).getTime() - now;
  if (left <= 0) return { text: `expired ${fromNow(expiresAt, now)}`, soon: false, past: true };
  return { text: `expires ${fromNow(expiresAt, now)}`, soon: left < 3_600_000, past: false };
}

export const principalLabel = (p: { type: string; name: string | null }): string =>
  p.type === 'system' ? 'Greenlight' : (p.name ?? (p.type === 'user' ? 'a member' : 'a connection'));
