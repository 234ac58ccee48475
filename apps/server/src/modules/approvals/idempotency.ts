import { createHash } from 'node:crypto';
import type { CreateApprovalBody } from '@greenlight/contract';

/**
 * JSON with object keys sorted at every depth, so two bodies that differ only in key order
 * (or in whitespace) produce the same text. Arrays keep their order: it is meaningful.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export const sha256OfCanonical = (value: unknown): string => createHash('sha256').update(canonicalJson(value)).digest('hex');

/** The body field wins over the `Idempotency-Key` header when a client sends both. */
export function idempotencyKeyOf(body: CreateApprovalBody, headers: { 'idempotency-key'?: string | undefined }): string | null {
  return body.idempotency_key ?? headers['idempotency-key'] ?? null;
}

/**
 * What "the same request" means for an idempotency key (IETF draft "The Idempotency-Key HTTP
 * Header Field" §2.4, Stripe): the parsed body without the key itself, defaults applied, so a
 * retry that spells a default out, reorders keys or moves the key into the header still matches.
 * `expires_at` is compared as an instant: `…T10:00:00Z` and `…T12:00:00+02:00` are one request.
 */
export function requestFingerprint(body: CreateApprovalBody): string {
  const { idempotency_key: _key, ...rest } = body;
  const normalized = rest.expires_at === undefined ? rest : { ...rest, expires_at: new Date(rest.expires_at).toISOString() };
  return sha256OfCanonical(normalized);
}
