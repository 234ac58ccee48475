import { SCOPES, type RateLimitWindow, type Scope } from '@greenlight/contract';
import { z } from 'zod';

/** Same rule as the `orgs.slug` CHECK constraint, so a bad slug is refused before the database sees it. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A required string option; zod's default "expected string, received undefined" reads badly on a command line. */
export const required = () =>
  z.string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a single value') });

export const OrgSlug = required().regex(SLUG_PATTERN, 'must be an org slug: lowercase letters, digits and dashes');

export const Scopes = z
  .string()
  .optional()
  .transform((value, ctx): Scope[] => {
    if (value === undefined) return [...SCOPES];
    const names = value.split(',').map((s) => s.trim()).filter(Boolean);
    if (names.length === 0) {
      ctx.addIssue({ code: 'custom', message: `must list at least one scope (${SCOPES.join(', ')})` });
      return z.NEVER;
    }
    const unknown = names.filter((n) => !(SCOPES as readonly string[]).includes(n));
    if (unknown.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown scope${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')}; known scopes: ${SCOPES.join(', ')}`,
      });
      return z.NEVER;
    }
    // Keep the contract's order, without duplicates, whatever order they were typed in.
    return SCOPES.filter((s) => names.includes(s));
  });

const WINDOW_NAMES: Record<string, RateLimitWindow> = { min: 'minute', minute: 'minute', m: 'minute', hour: 'hour', h: 'hour' };

/** `--rate-limit 60/min`, `1000/hour`, or a bare number of requests per hour. */
export const RateLimit = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return { limit: 100, window: 'hour' as const };
    const m = /^(\d+)(?:\/(\w+))?$/.exec(value.trim());
    const window = m ? (m[2] === undefined ? 'hour' : WINDOW_NAMES[m[2].toLowerCase()]) : undefined;
    if (!m || !window) {
      ctx.addIssue({ code: 'custom', message: 'must be a whole number of requests per hour, or N/min or N/hour' });
      return z.NEVER;
    }
    const limit = Number(m[1]);
    if (limit < 1 || limit > 10_000) {
      ctx.addIssue({ code: 'custom', message: `must be at ${limit < 1 ? 'least 1 request' : 'most 10000 requests'} per ${window}` });
      return z.NEVER;
    }
    return { limit, window };
  });

export const Json = z.boolean().default(false);

/** "Acme Corp." → "acme-corp": what `init` uses as the slug when none is given. */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

const DURATION_UNITS = { m: 60, h: 3600, d: 86_400, w: 7 * 86_400 } as const;

/** `--expires-in 90d`: minutes, hours, days or weeks, combined (`1d12h`). */
export const ExpiresIn = z
  .string()
  .optional()
  .transform((value, ctx): number | undefined => {
    if (value === undefined) return undefined;
    const t = value.trim();
    if (!/^(\d+[mhdw])+$/.test(t)) {
      ctx.addIssue({ code: 'custom', message: 'must be a duration such as 90d, 12h, 30m or 1w (minutes, hours, days, weeks)' });
      return z.NEVER;
    }
    let seconds = 0;
    for (const [, n, u] of t.matchAll(/(\d+)([mhdw])/g)) seconds += Number(n) * DURATION_UNITS[u as keyof typeof DURATION_UNITS];
    return seconds;
  });

/** `--expires-at 2027-01-31T00:00:00Z`: an ISO 8601 time with its offset. */
export const ExpiresAt = z
  .string()
  .optional()
  .transform((value, ctx): Date | undefined => {
    if (value === undefined) return undefined;
    const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value.trim()) ? new Date(value.trim()) : null;
    if (!at || Number.isNaN(at.getTime())) {
      ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 time with its offset, e.g. 2027-01-31T00:00:00Z' });
      return z.NEVER;
    }
    return at;
  });

/**
 * When a credential made on the command line stops working, from `--expires-at` or `--expires-in`
 * (one at most), within the API's limits for keys: null when neither is given (never).
 */
export function expiryOf(
  args: { 'expires-at'?: Date | undefined; 'expires-in'?: number | undefined },
  limits: { minLifetimeSeconds: number; maxLifetimeDays: number },
  now = Date.now(),
): { expiresAt: Date | null } | { error: string } {
  if (args['expires-at'] !== undefined && args['expires-in'] !== undefined) return { error: 'give --expires-at or --expires-in, not both' };
  const at = args['expires-at'] ?? (args['expires-in'] !== undefined ? new Date(now + args['expires-in'] * 1000) : null);
  if (at === null) return { expiresAt: null };
  const option = args['expires-at'] !== undefined ? '--expires-at' : '--expires-in';
  const left = at.getTime() - now;
  if (left < limits.minLifetimeSeconds * 1000) return { error: `${option}: must be at least ${limits.minLifetimeSeconds} seconds from now` };
  if (left > limits.maxLifetimeDays * 86_400_000) return { error: `${option}: must be at most ${limits.maxLifetimeDays} days from now` };
  return { expiresAt: at };
}
