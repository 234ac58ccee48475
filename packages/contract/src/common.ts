import { z } from './zod.ts';

export const Uuid = z.uuid();
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
