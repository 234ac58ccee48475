import type { Logger } from 'pino';
import type { Database } from '../../storage/database.ts';
import { every, type Job } from '../../jobs/every.ts';
import { NEVER_AUTHORIZED } from './clients.ts';
import { OAUTH_SETTINGS } from './settings.ts';

const BATCH = 500;

/**
 * Past its expiry a client is already refused (findActiveClient); it is deleted a minute later, so
 * that a consent which found the client valid and then issues its first code (two statements, well
 * within a minute) never finds it gone: such a code makes it authorized, and so kept.
 */
const MARGIN_SECONDS = 60;

/**
 * Deletes the self-registered OAuth clients (RFC 7591) that no member authorized within
 * OAUTH_SETTINGS.unauthorizedClientTtl: open registration would otherwise keep every one for ever,
 * in no org, seen by no admin. A client with a code issued to it (authorized once, even if its grants
 * are revoked since) is never deleted: its grants, tokens and an org's block of it refer to it.
 * Returns the clients deleted. Rows another transaction holds are left to the next run.
 */
export async function purgeUnauthorizedClients(db: Database): Promise<{ client_id: string; name: string }[]> {
  const purged: { client_id: string; name: string }[] = [];
  for (;;) {
    const { rows } = await db.query<{ client_id: string; name: string }>(
      `DELETE FROM oauth_clients WHERE id IN (
         SELECT c.id FROM oauth_clients c
          WHERE c.created_at <= now() - make_interval(secs => $1) AND ${NEVER_AUTHORIZED}
          ORDER BY c.created_at LIMIT $2
          FOR UPDATE SKIP LOCKED)
       RETURNING client_id, name`,
      [OAUTH_SETTINGS.unauthorizedClientTtl + MARGIN_SECONDS, BATCH],
    );
    purged.push(...rows);
    if (rows.length < BATCH) return purged;
  }
}

/** Runs the purge every `intervalMs` (OAUTH_SETTINGS.unauthorizedClientPurgeEvery in the server), logging what it removed. */
export function startUnauthorizedClientPurge(db: Database, logger: Logger, intervalMs: number): Job {
  return every(intervalMs, logger, 'purge-unauthorized-oauth-clients', async () => {
    const purged = await purgeUnauthorizedClients(db);
    if (purged.length > 0) logger.info({ clients: purged.length, client_ids: purged.slice(0, 20).map((c) => c.client_id) }, 'expired OAuth clients that registered themselves and were never authorized: deleted');
  });
}
