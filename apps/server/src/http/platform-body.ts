/**
 * The body of a call a platform makes to us (a chat's webhook, a GitHub event), read raw so its
 * signature can be checked first: JSON, then the platform's documented shape. Either refusal is a 400
 * in the envelope, worded for the platform; what did not fit stays as the cause, for the log.
 */
import type { z } from 'zod';
import { ApiError } from '../errors.ts';

/** The raw body as JSON; `notJson` words the 400 when it is not. */
export function platformJson(raw: unknown, notJson: string): unknown {
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : '';
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError('VALIDATION_ERROR', notJson);
  }
}

/** JSON the platform sent, as `schema` reads it; `notShape` words the 400 when it does not fit. */
export function platformShape<S extends z.ZodType>(json: unknown, schema: S, notShape: string): z.output<S> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ApiError('VALIDATION_ERROR', notShape, undefined, undefined, { cause: parsed.error });
  return parsed.data;
}

/** Both: the raw body read as JSON, then as the platform's shape. */
export function platformBody<S extends z.ZodType>(raw: unknown, schema: S, words: { notJson: string; notShape: string }): z.output<S> {
  return platformShape(platformJson(raw, words.notJson), schema, words.notShape);
}
