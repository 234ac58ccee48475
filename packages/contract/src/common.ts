import { z } from './zod.ts';

export const Uuid = z.uuid();

/**
 * An email address, as every part of Greenlight takes one: the API (adding a member), the admin CLI
 * (`init`, `user sign-in-link`) and the configuration (GREENLIGHT_ADMIN_EMAIL). The WHATWG HTML rule
 * of `<input type="email">`, which the dashboard's browser applies too: a host without a dot is
 * allowed, so the default first-run admin `admin@localhost` is an address like any other; no spaces,
 * quotes, commas or angle brackets, so an address is never read as a list or a display name.
 * At most 320 characters (RFC 5321's 64 + 1 + 255).
 */
export const EmailAddress = z.email({ pattern: z.regexes.html5Email, error: 'must be an email address' }).max(320, 'must be at most 320 characters');
export const Timestamp = z.iso.datetime().openapi({ example: '2026-03-24T10:00:00.000Z' });
/** Accepts `Z` and numeric offsets; always answered back in UTC. */
export const TimestampInput = z.iso.datetime({ offset: true }).openapi({ example: '2026-03-25T10:00:00.000Z' });

export const IdParams = z.object({ id: Uuid.openapi({ param: { name: 'id', in: 'path' }, example: 'a1b2c3d4-e5f6-4890-abcd-ef1234567890' }) });

export const Pagination = z
  .object({
    page: z.number().int().min(1),
    page_size: z.number().int().min(1).max(100),
    total: z.number().int().min(0),
    total_pages: z.number().int().min(0),
  })
  .openapi('Pagination');

export const Principal = z
  .object({
    type: z.enum(['connection', 'user', 'system']),
    id: z.uuid().nullable(),
    name: z.string().nullable(),
  })
  .openapi('Principal', { description: 'Who did something: a connection (API key or OAuth grant), a person, or Greenlight itself.' });
export type Principal = z.infer<typeof Principal>;

/** `page_size` above the maximum is clamped rather than refused, as list endpoints usually do. */
export const PageSizeQuery = z.coerce
  .number()
  .int()
  .min(1)
  .default(20)
  .transform((n) => Math.min(n, 100))
  .openapi({ description: 'Results per page (max 100; larger values are clamped)', example: 20 });
export const PageQuery = z.coerce.number().int().min(1).max(100000).default(1).openapi({ description: 'Page number', example: 1 });

/** `true` or `false` as a query parameter (anything else is refused); absent is false. */
export const BooleanQuery = z
  .enum(['true', 'false'])
  .default('false')
  .transform((v) => v === 'true')
  .openapi({ type: 'boolean' });

/** A whole-set PUT's optimistic lock: the version the change was made from (routing rules, policies). */
export const ExpectedVersion = z
  .number()
  .int()
  .min(0)
  .optional()
  .openapi({ description: 'The version this change was made from; another change saved since answers 409 VERSION_CONFLICT' });
