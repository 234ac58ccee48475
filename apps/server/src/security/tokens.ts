import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_KEY_PATTERN = /^gk_[0-9a-f]{64}$/;

export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');

/** `gk_` + 64 hex = 256 bits from the CSPRNG. Only its SHA-256 is stored. */
export function generateApiKey(): { key: string; hash: string; prefix: string } {
  const key = `gk_${randomBytes(32).toString('hex')}`;
  return { key, hash: sha256Hex(key), prefix: key.slice(0, 11) };
}

/** Opaque URL-safe token of 256 bits (sign-in links, sessions). */
export const randomToken = (): string => randomBytes(32).toString('base64url');

export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
