import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks verification (https://www.standardwebhooks.com, "Verifying webhooks"): the
 * signature is base64 HMAC-SHA256, keyed with the base64-decoded part of the `whsec_` secret, over
 * `<webhook-id>.<webhook-timestamp>.<raw body>`. The header may carry several space-separated
 * `v1,<sig>` entries (during a secret rotation both the new and the old secret sign); one match is
 * enough. Signatures are compared in constant time.
 *
 * Limits: replay protection is the timestamp tolerance only; a receiver that must never process a
 * delivery twice also dedupes on `webhook-id` (the same on every retry of one event). The body must
 * be the raw bytes as received: re-serialized JSON does not verify.
 */

export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

export type WebhookVerificationFailure =
  | 'missing_headers'
  | 'invalid_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'no_matching_signature'
  | 'invalid_secret';

export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(
    readonly reason: WebhookVerificationFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Node's IncomingHttpHeaders, a fetch `Headers`, or a plain object with any header-name case. */
export type HeaderSource =
  | { get(name: string): string | null }
  | Record<string, string | string[] | undefined>;

/** A header's value by its lower-case name, whatever shape the platform hands headers over in. */
export function headerValue(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | string[] | undefined>;
  for (const [key, value] of Object.entries(record)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value.join(' ') : value;
  }
  return undefined;
}

function secretKey(secret: string): Buffer {
  const base64 = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw new WebhookVerificationError('invalid_secret', 'the signing secret is not whsec_ + base64');
  return Buffer.from(base64, 'base64');
}

const toBuffer = (body: string | Uint8Array) => (typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body));

/** The `v1,<base64>` signature of one message; what the sender puts in `webhook-signature`. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string | Uint8Array): string {
  const mac = createHmac('sha256', secretKey(secret));
  mac.update(`${id}.${timestampSeconds}.`);
  mac.update(toBuffer(body));
  return `v1,${mac.digest('base64')}`;
}

export interface VerifyWebhookOptions {
  /** One secret, or several (e.g. the current and the previous one of a rotation). */
  secret: string | readonly string[];
  headers: HeaderSource;
  /** The raw request body, exactly as received. */
  body: string | Uint8Array;
  toleranceSeconds?: number;
  /** Current time in epoch milliseconds (tests). */
  now?: number;
}

export interface VerifiedWebhook {
  id: string;
  timestamp: number;
}

/** Throws WebhookVerificationError unless one signature matches and the timestamp is fresh. */
export function verifyWebhook(options: VerifyWebhookOptions): VerifiedWebhook {
  const id = headerValue(options.headers, 'webhook-id');
  const timestampText = headerValue(options.headers, 'webhook-timestamp');
  const signatures = headerValue(options.headers, 'webhook-signature');
  if (!id || !timestampText || !signatures) {
    throw new WebhookVerificationError('missing_headers', 'webhook-id, webhook-timestamp and webhook-signature are required');
  }
  if (!/^\d{1,15}$/.test(timestampText)) throw new WebhookVerificationError('invalid_timestamp', 'webhook-timestamp is not a Unix time in seconds');
  const timestamp = Number(timestampText);
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (timestamp < nowSeconds - tolerance) throw new WebhookVerificationError('timestamp_too_old', 'webhook-timestamp is too old');
  if (timestamp > nowSeconds + tolerance) throw new WebhookVerificationError('timestamp_too_new', 'webhook-timestamp is in the future');

  const secrets = typeof options.secret === 'string' ? [options.secret] : options.secret;
  const candidates = signatures
    .split(' ')
    .map((entry) => entry.split(','))
    .filter((parts): parts is [string, string] => parts.length === 2 && parts[0] === 'v1')
    .map(([, sig]) => Buffer.from(sig, 'base64'));
  for (const secret of secrets) {
    const expected = Buffer.from(signWebhook(secret, id, timestamp, options.body).slice(3), 'base64');
    // Every candidate is compared (no early exit on the first), each in constant time.
    let matched = false;
    for (const candidate of candidates) {
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
    }
    if (matched) return { id, timestamp };
  }
  throw new WebhookVerificationError('no_matching_signature', 'no signature matches the payload');
}
