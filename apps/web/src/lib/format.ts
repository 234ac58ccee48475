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

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** "until 15:00" today, or with the date when it is another day. */
export function untilLabel(iso: string, now = Date.now()): string {
  const d = new Date(iso);
  return d.toDateString() === new Date(now).toDateString() ? clock.format(d) : formatDate(iso);
}

/**
 * Who decided a request when it was not a person, in the words the server's fields give
 * (`decided_by_policy`, `decided_by_grant`): "by policy low-risk-reads", "by Ann's grant (12 of 20 used,
 * until 15:00)". Null for a person's decision or none.
 */
export function autoDeciderLabel(
  a: {
    decided_by_policy?: { id: string } | null;
    decided_by_grant?: { given_by: { name: string }; use: number; max_uses: number | null; expires_at: string } | null;
  },
  now = Date.now(),
): string | null {
  if (a.decided_by_policy) return `by policy ${a.decided_by_policy.id}`;
  const g = a.decided_by_grant;
  if (!g) return null;
  const uses = g.max_uses === null ? `use ${g.use}` : `${g.use} of ${g.max_uses} used`;
  return `by ${g.given_by.name}'s grant (${uses}, until ${untilLabel(g.expires_at, now)})`;
}
