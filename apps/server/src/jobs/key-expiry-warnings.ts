import type { Logger } from 'pino';
import type { Database } from '../storage/database.ts';
import { enqueue } from '../delivery/outbox/outbox.ts';
import { EMAIL } from '../channels/email/email-channel.ts';
import { every, type Job } from './every.ts';

/** How long before an API key lapses its creator is told. */
export const KEY_EXPIRY_WARNING_DAYS = 7;

/**
 * Tells the admin who issued each live API key that lapses within `withinDays`, once per key: the key
 * is marked warned in the same transaction that queues the email, so a second run, or a second
 * replica running at once (SKIP LOCKED), finds nothing left to tell. A key whose creator is gone
 * (never recorded, or no longer a member) is marked without an email: there is nobody to tell, and
 * it stays on the Connections page with its expiry. A rotated-away key was marked by the rotation.
 */
export async function warnExpiringKeys(db: Database, options: { withinDays?: number; batch?: number } = {}): Promise<number> {
  const withinDays = options.withinDays ?? KEY_EXPIRY_WARNING_DAYS;
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string; org_id: string; recipient: string | null }>(
      `WITH due AS (
         SELECT c.id FROM connections c
          WHERE c.expires_at IS NOT NULL AND c.revoked_at IS NULL AND c.expiry_warned_at IS NULL
            AND c.expires_at > now() AND c.expires_at <= now() + $1::int * interval '1 day'
          ORDER BY c.expires_at
          LIMIT $2
          FOR UPDATE SKIP LOCKED)
       UPDATE connections c SET expiry_warned_at = now()
         FROM due
        WHERE c.id = due.id
       RETURNING c.id, c.org_id,
         (SELECT m.user_id FROM memberships m WHERE m.org_id = c.org_id AND m.user_id = c.created_by_user_id) AS recipient`,
      [withinDays, options.batch ?? 500],
    );
    const told = rows.filter((r): r is typeof r & { recipient: string } => r.recipient !== null);
    await enqueue(
      tx,
      EMAIL,
      'key_expiring',
      told.map((r) => ({ orgId: r.org_id, recipientUserId: r.recipient, payload: { connection_id: r.id }, dedupeKey: `key_expiring:${r.id}` })),
    );
    return told.length;
  });
}

/**
 * The same for OAuth clients registered by an admin: the admin who registered it is told, once per
 * client, while it is still theirs to replace (they are still a member).
 */
export async function warnExpiringOAuthClients(db: Database, options: { withinDays?: number; batch?: number } = {}): Promise<number> {
  const withinDays = options.withinDays ?? KEY_EXPIRY_WARNING_DAYS;
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string; org_id: string; recipient: string | null }>(
      `WITH due AS (
         SELECT c.id FROM oauth_clients c
          WHERE c.expires_at IS NOT NULL AND c.revoked_at IS NULL AND c.expiry_warned_at IS NULL AND c.org_id IS NOT NULL
            AND c.expires_at > now() AND c.expires_at <= now() + $1::int * interval '1 day'
          ORDER BY c.expires_at
          LIMIT $2
          FOR UPDATE SKIP LOCKED)
       UPDATE oauth_clients c SET expiry_warned_at = now()
         FROM due
        WHERE c.id = due.id
       RETURNING c.id, c.org_id,
         (SELECT m.user_id FROM memberships m WHERE m.org_id = c.org_id AND m.user_id = c.created_by_user_id) AS recipient`,
      [withinDays, options.batch ?? 500],
    );
    const told = rows.filter((r): r is typeof r & { recipient: string } => r.recipient !== null);
    await enqueue(
      tx,
      EMAIL,
      'oauth_client_expiring',
      told.map((r) => ({ orgId: r.org_id, recipientUserId: r.recipient, payload: { client_id: r.id }, dedupeKey: `oauth_client_expiring:${r.id}` })),
    );
    return told.length;
  });
}

export function startKeyExpiryWarnings(db: Database, logger: Logger, intervalMs: number): Job {
  return every(intervalMs, logger, 'key-expiry-warnings', async () => (await warnExpiringKeys(db)) + (await warnExpiringOAuthClients(db)));
}
