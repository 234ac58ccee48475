import { createHmac, randomBytes } from 'node:crypto';
import { madeAhead } from '../../security/made-ahead.ts';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com, "Signature scheme"):
 * `webhook-signature: v1,<base64 HMAC-SHA256(secret, "<webhook-id>.<webhook-timestamp>.<body>")>`,
 * one entry per active secret, space-separated, so a receiver that still holds the previous secret
 * keeps verifying during a rotation. The secret is `whsec_` + base64 of the raw key bytes; the HMAC
 * key is those bytes, not the string.
 *
 * Not covered here: replay protection is the receiver's (it rejects timestamps more than ~5 min
 * off and remembers webhook-ids); the body is signed exactly as sent, so it must not be re-serialised.
 */
export const SECRET_PREFIX = 'whsec_';
/** 32 bytes: within the 24–64 bytes the spec asks for, and the HMAC-SHA256 block-friendly size. */
export const SECRET_BYTES = 32;
const SECRET_PATTERN = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/**
 * A new org callback secret, sealed, for a statement that keeps it only where the org has none yet.
 * Every decision offers one (its statement creates the org's secret on first use): made ahead, so the
 * draw and the seal are not on every decision's way to its callback for the first decision of an org
 * only. No two calls get the same one (two orgs deciding for the first time at once must not share).
 */
export const takeSealedNewSecret: () => string = madeAhead(1, (keys) => keys.seal(generateSecret()));

function keyOf(secret: string): Buffer {
  const m = SECRET_PATTERN.exec(secret);
  if (!m) throw new Error('webhook secret must be whsec_ followed by base64');
  const key = Buffer.from(m[1]!, 'base64');
  if (key.length < 24 || key.length > 64) throw new Error('webhook secret must hold 24 to 64 bytes');
  return key;
}

export function signature(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64');
  return `v1,${mac}`;
}

/** The header value for every secret that is still valid (the current one first). */
export function signatureHeader(secrets: readonly string[], id: string, timestamp: number, body: string): string {
  if (secrets.length === 0) throw new Error('at least one signing secret is required');
  return secrets.map((s) => signature(s, id, timestamp, body)).join(' ');
}

/** How long the previous secret keeps signing after a rotation. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;
