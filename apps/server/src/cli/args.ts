import { SCOPES, type Scope } from '@greenlight/contract';
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

export const RateLimit = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return 100;
    if (!/^\d+$/.test(value)) {
      ctx.addIssue({ code: 'custom', message: 'must be a whole number of requests per hour' });
      return z.NEVER;
    }
    return Number(value);
  })
  .pipe(z.number().int().min(1, 'must be at least 1 request per hour').max(10_000, 'must be at most 10000 requests per hour'));

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
