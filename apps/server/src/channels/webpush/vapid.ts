/**
 * The server's VAPID key pair (RFC 8292): one P-256 key pair for the whole server, made by
 * web-push's `generateVAPIDKeys` the first time it is needed and kept (webpush_vapid: the private key
 * sealed like the other secrets). Browsers subscribe with its public key, and a push service accepts
 * a message for a subscription only with a token signed by the same key, so it is never replaced: a
 * new pair would silently orphan every device. Two replicas making it at once keep the first one's.
 */
import type { Queryable } from '../../storage/database.ts';
import { secretKeys } from '../../security/sealed.ts';

/** web-push, loaded at its first use: a server whose people use no phone push never holds it (about 10 MB). */
export const webPush = async () => (await import('web-push')).default;

export interface VapidKeys {
  /** The uncompressed public point, base64url (the browser's `applicationServerKey`). */
  publicKey: string;
  /** The private scalar, base64url. */
  privateKey: string;
}

export async function vapidKeys(db: Queryable): Promise<VapidKeys> {
  const read = async () => (await db.query<{ public_key: string; private_key: string }>('SELECT public_key, private_key FROM webpush_vapid')).rows[0];
  let row = await read();
  if (!row) {
    const made = (await webPush()).generateVAPIDKeys();
    await db.query('INSERT INTO webpush_vapid (public_key, private_key) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [made.publicKey, secretKeys().seal(made.privateKey)]);
    row = (await read())!;
  }
  return { publicKey: row.public_key, privateKey: secretKeys().open(row.private_key) };
}

/** The token's `sub` (RFC 8292 §2.1): GREENLIGHT_WEBPUSH_SUBJECT, else the public URL when https, else a mailto: at its host. */
export function vapidSubject(config: { GREENLIGHT_WEBPUSH_SUBJECT?: string | undefined; publicUrl: string }): string {
  if (config.GREENLIGHT_WEBPUSH_SUBJECT) return config.GREENLIGHT_WEBPUSH_SUBJECT;
  const url = new URL(config.publicUrl);
  return url.protocol === 'https:' ? url.origin : `mailto:webpush@${url.hostname}`;
}
