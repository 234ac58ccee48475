import type { Logger } from 'pino';
import type { Database } from '../storage/database.ts';
import { enqueue } from '../delivery/outbox/outbox.ts';
import { EMAIL } from '../channels/email/email-channel.ts';
import { every, type Job } from './every.ts';

/** How long before an API key lapses its creator is told. */
export const KEY_EXPIRY_WARNING_DAYS = 7;

/** A kind of credential that lapses: its table (with revoked_at, created_by_user_id), its email, and what the email is about. */
interface Lapsing {
  table: 'connections' | 'oauth_clients';
  /** When it stops working, and when its creator was told (null: not yet): expires_at and expiry_warned_at, or a previous secret's. */
  expires: 'expires_at' | 'previous_secret_expires_at';
  warned: 'expiry_warned_at' | 'previous_secret_warned_at';
  /** More of the condition "may be warned about": registered in an org, for OAuth clients. */
  also: string;
  kind: 'key_expiring' | 'oauth_client_expiring';
  payload: (id: string) => { connection_id: string } | { client_id: string; secret?: 'previous' };
  /** One email per credential and what ends: the outbox drops a second row with the same key. */
  dedupe: (row: { id: string; rotated: boolean; expires: Date }) => string;
}

/**
 * Tells the admin who issued each live credential of a kind that lapses within `withinDays`, once per
 * credential: it is marked warned in the same transaction that queues the email, so a second run, or a
 * second replica running at once (SKIP LOCKED), finds nothing left to tell. One whose creator is gone
 * (never recorded, or no longer a member) is marked without an email: there is nobody to tell, and it
 * stays listed with its expiry. A key rotated away is told about again, as its overlap ends (the
 * rotation clears its mark), and so is a rotated OAuth client's previous secret.
 */
async function warnLapsing(db: Database, what: Lapsing, options: { withinDays?: number; batch?: number }): Promise<number> {
  const withinDays = options.withinDays ?? KEY_EXPIRY_WARNING_DAYS;
  return db.transaction(async (tx) => {
    const rotated = what.table === 'connections' ? 'EXISTS (SELECT 1 FROM connections n WHERE n.rotated_from = c.id)' : 'true';
    const { rows } = await tx.query<{ id: string; org_id: string; recipient: string | null; rotated: boolean; expires: Date }>(
      `WITH due AS (
         SELECT c.id FROM ${what.table} c
          WHERE c.${what.expires} IS NOT NULL AND c.revoked_at IS NULL AND c.${what.warned} IS NULL ${what.also}
            AND c.${what.expires} > now() AND c.${what.expires} <= now() + $1::int * interval '1 day'
          ORDER BY c.${what.expires}
          LIMIT $2
          FOR UPDATE SKIP LOCKED)
       UPDATE ${what.table} c SET ${what.warned} = now()
         FROM due
        WHERE c.id = due.id
       RETURNING c.id, c.org_id, ${rotated} AS rotated, c.${what.expires} AS expires,
         (SELECT m.user_id FROM memberships m WHERE m.org_id = c.org_id AND m.user_id = c.created_by_user_id) AS recipient`,
      [withinDays, options.batch ?? 500],
    );
    const told = rows.filter((r): r is typeof r & { recipient: string } => r.recipient !== null);
    await enqueue(
      tx,
      EMAIL,
      what.kind,
      told.map((r) => ({ orgId: r.org_id, recipientUserId: r.recipient, payload: what.payload(r.id), dedupeKey: what.dedupe(r) })),
    );
    return told.length;
  });
}

const EXPIRY = { expires: 'expires_at', warned: 'expiry_warned_at' } as const;

/** API keys: their creator is told before they lapse, a key rotated away before its overlap ends. */
export function warnExpiringKeys(db: Database, options: { withinDays?: number; batch?: number } = {}): Promise<number> {
  return warnLapsing(
    db,
    { table: 'connections', ...EXPIRY, also: '', kind: 'key_expiring', payload: (id) => ({ connection_id: id }), dedupe: (r) => `key_expiring:${r.id}${r.rotated ? ':rotated' : ''}` },
    options,
  );
}

/** OAuth clients registered by an admin: that admin is told, while it is still theirs to replace (they are still a member). */
export function warnExpiringOAuthClients(db: Database, options: { withinDays?: number; batch?: number } = {}): Promise<number> {
  return warnLapsing(
    db,
    { table: 'oauth_clients', ...EXPIRY, also: 'AND c.org_id IS NOT NULL', kind: 'oauth_client_expiring', payload: (id) => ({ client_id: id }), dedupe: (r) => `oauth_client_expiring:${r.id}` },
    options,
  );
}

/** A rotated OAuth client's previous secret: the admin who registered the client is told before the overlap ends (once per rotation). */
export function warnEndingOAuthClientSecrets(db: Database, options: { withinDays?: number; batch?: number } = {}): Promise<number> {
  return warnLapsing(
    db,
    {
      table: 'oauth_clients',
      expires: 'previous_secret_expires_at',
      warned: 'previous_secret_warned_at',
      also: 'AND c.org_id IS NOT NULL',
      kind: 'oauth_client_expiring',
      payload: (id) => ({ client_id: id, secret: 'previous' }),
      dedupe: (r) => `oauth_client_expiring:${r.id}:previous:${r.expires.getTime()}`,
    },
    options,
  );
}

export function startKeyExpiryWarnings(db: Database, logger: Logger, intervalMs: number): Job {
  return every(
    intervalMs,
    logger,
    'key-expiry-warnings',
    async () => (await warnExpiringKeys(db)) + (await warnExpiringOAuthClients(db)) + (await warnEndingOAuthClientSecrets(db)),
  );
}
