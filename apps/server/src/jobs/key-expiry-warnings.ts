import type { Logger } from 'pino';
import type { Database } from '../storage/database.ts';
import { enqueue } from '../delivery/outbox/outbox.ts';
import { EMAIL } from '../channels/email/email-channel.ts';
import { every, type Job } from './every.ts';

/** How long before an API key lapses its creator is told. */
export const KEY_EXPIRY_WARNING_DAYS = 7;

/** A kind of credential that lapses: its table (with expires_at, revoked_at, expiry_warned_at, created_by_user_id), its email, and what the email is about. */
interface Lapsing {
  table: 'connections' | 'oauth_clients';
  /** More of the condition "may be warned about": registered in an org, for OAuth clients. */
  also: string;
  kind: 'key_expiring' | 'oauth_client_expiring';
  payload: (id: string) => { connection_id: string } | { client_id: string };
}

/**
 * Tells the admin who issued each live credential of a kind that lapses within `withinDays`, once per
 * credential: it is marked warned in the same transaction that queues the email, so a second run, or a
 * second replica running at once (SKIP LOCKED), finds nothing left to tell. One whose creator is gone
 * (never recorded, or no longer a member) is marked without an email: there is nobody to tell, and it
 * stays listed with its expiry. A rotated-away key was marked by the rotation.
 */
async function warnLapsing(db: Database, what: Lapsing, options: { withinDays?: number; batch?: number }): Promise<number> {
  const withinDays = options.withinDays ?? KEY_EXPIRY_WARNING_DAYS;
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string; org_id: string; recipient: string | null }>(
      `WITH due AS (
         SELECT c.id FROM ${what.table} c
          WHERE c.expires_at IS NOT NULL AND c.revoked_at IS NULL AND c.expiry_warned_at IS NULL ${what.also}
            AND c.expires_at > now() AND c.expires_at <= now() + $1::int * interval '1 day'
          ORDER BY c.expires_at
          LIMIT $2
          FOR UPDATE SKIP LOCKED)
       UPDATE ${what.table} c SET expiry_warned_at = now()
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
      what.kind,
      told.map((r) => ({ orgId: r.org_id, recipientUserId: r.recipient, payload: what.payload(r.id), dedupeKey: `${what.kind}:${r.id}` })),
    );
    return told.length;
  });
}

/** API keys: their creator is told before they lapse. */
export function warnExpiringKeys(db: Database, options: { withinDays?: number; batch?: number } = {}): Promise<number> {
  return warnLapsing(db, { table: 'connections', also: '', kind: 'key_expiring', payload: (id) => ({ connection_id: id }) }, options);
}

/** OAuth clients registered by an admin: that admin is told, while it is still theirs to replace (they are still a member). */
export function warnExpiringOAuthClients(db: Database, options: { withinDays?: number; batch?: number } = {}): Promise<number> {
  return warnLapsing(db, { table: 'oauth_clients', also: 'AND c.org_id IS NOT NULL', kind: 'oauth_client_expiring', payload: (id) => ({ client_id: id }) }, options);
}

export function startKeyExpiryWarnings(db: Database, logger: Logger, intervalMs: number): Job {
  return every(intervalMs, logger, 'key-expiry-warnings', async () => (await warnExpiringKeys(db)) + (await warnExpiringOAuthClients(db)));
}
