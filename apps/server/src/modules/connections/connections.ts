import { API_KEY_LIMITS, RATE_LIMIT_WINDOWS, SCOPES, type RateLimitWindow, type Scope } from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
import type { AuthContext } from '../../context.ts';
import { generateApiKey } from '../../security/tokens.ts';
import { announceAuthChange } from '../../http/api-key-cache.ts';
import { disableSubscriptionsOf } from '../webhooks/disable-subscriptions.ts';
import { recordAudit, SYSTEM_ACTOR, type AuditActor } from '../../core/audit.ts';

export interface ConnectionRecord {
  id: string;
  org_id: string;
  name: string;
  auth_type: 'api_key' | 'oauth';
  key_prefix: string | null;
  scopes: Scope[];
  rate_limit: number;
  rate_limit_window: RateLimitWindow;
  /** The person an OAuth grant acts for; null for API keys. */
  user_id: string | null;
  /** The admin who issued an API key (null for grants and keys made outside the API). */
  created_by_user_id: string | null;
  created_at: Date;
  revoked_at: Date | null;
  /** When an API key stops working; null: never. */
  expires_at: Date | null;
}

const COLUMNS = 'id, org_id, name, auth_type, key_prefix, scopes, rate_limit, rate_limit_window, user_id, created_by_user_id, created_at, revoked_at, expires_at';

/** Creates an API-key connection. The key is returned once; only its SHA-256 is stored. */
export async function createConnection(
  db: Database,
  input: {
    orgId: string;
    name: string;
    scopes?: readonly Scope[];
    rateLimit?: number;
    rateLimitWindow?: RateLimitWindow;
    userId?: string | null;
    createdByUserId?: string | null;
    expiresAt?: Date | null;
  },
  actor: AuditActor = SYSTEM_ACTOR,
): Promise<{ connection: ConnectionRecord; apiKey: string }> {
  return db.transaction((tx) => insertApiKey(tx, input, actor));
}

async function insertApiKey(
  tx: Queryable,
  input: Parameters<typeof createConnection>[1] & { rotatedFrom?: string },
  actor: AuditActor,
): Promise<{ connection: ConnectionRecord; apiKey: string }> {
  const { key, hash, prefix } = generateApiKey();
  {
    const { rows } = await tx.query<ConnectionRecord>(
      `INSERT INTO connections (org_id, name, key_hash, key_prefix, scopes, rate_limit, rate_limit_window, user_id, created_by_user_id, expires_at, rotated_from)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${COLUMNS}`,
      [
        input.orgId,
        input.name,
        hash,
        prefix,
        [...(input.scopes ?? SCOPES)],
        input.rateLimit ?? 100,
        input.rateLimitWindow ?? 'hour',
        input.userId ?? null,
        input.createdByUserId ?? null,
        input.expiresAt ?? null,
        input.rotatedFrom ?? null,
      ],
    );
    const connection = rows[0]!;
    await recordAudit(tx, {
      orgId: input.orgId,
      actor,
      type: 'connection.created',
      target: { type: 'connection', id: connection.id },
      details: {
        name: connection.name,
        auth_type: 'api_key',
        key_prefix: prefix,
        scopes: connection.scopes,
        expires_at: connection.expires_at?.toISOString() ?? null,
        ...(input.rotatedFrom ? { rotated_from: input.rotatedFrom } : {}),
      },
    });
    return { connection, apiKey: key };
  }
}

/**
 * Replaces an API key: a new key with the old one's name, scopes, limits and person, and the old
 * key set to stop at the end of the overlap (never later than it would have anyway). Both, or
 * neither: one transaction, the old row locked so two rotations at once make one successor each in
 * turn rather than racing. Null when the org has no such live API key (OAuth grants are not keys).
 */
export async function rotateApiKey(
  db: Database,
  orgId: string,
  id: string,
  options: { overlapSeconds: number; expiresAt?: Date | undefined; createdByUserId: string | null },
  actor: AuditActor = SYSTEM_ACTOR,
): Promise<{ connection: ConnectionRecord; apiKey: string; previous: ConnectionRecord } | null> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<ConnectionRecord>(
      `SELECT ${COLUMNS} FROM connections WHERE org_id = $1 AND id = $2 AND auth_type = 'api_key' AND revoked_at IS NULL FOR UPDATE`,
      [orgId, id],
    );
    const old = rows[0];
    if (!old) return null;
    const lifetimeMs = old.expires_at ? old.expires_at.getTime() - old.created_at.getTime() : null;
    const expiresAt =
      options.expiresAt ??
      (lifetimeMs === null ? null : new Date(Date.now() + Math.min(Math.max(lifetimeMs, API_KEY_LIMITS.minLifetimeSeconds * 1000), API_KEY_LIMITS.maxLifetimeDays * 86_400_000)));
    const created = await insertApiKey(
      tx,
      {
        orgId,
        name: old.name,
        scopes: old.scopes,
        rateLimit: old.rate_limit,
        rateLimitWindow: old.rate_limit_window,
        userId: old.user_id,
        createdByUserId: options.createdByUserId ?? old.created_by_user_id,
        expiresAt,
        rotatedFrom: old.id,
      },
      actor,
    );
    // The old key now ends with the overlap: its creator is warned before then (jobs/key-expiry-warnings.ts),
    // so something still using it is found while it works.
    const { rows: updated } = await tx.query<ConnectionRecord>(
      `UPDATE connections
          SET expires_at = LEAST(COALESCE(expires_at, 'infinity'), now() + $2::int * interval '1 second'),
              expiry_warned_at = NULL
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [old.id, options.overlapSeconds],
    );
    const previous = updated[0]!;
    await recordAudit(tx, {
      orgId,
      actor,
      type: 'connection.rotated',
      target: { type: 'connection', id: old.id },
      details: {
        name: old.name,
        new_connection_id: created.connection.id,
        key_prefix: old.key_prefix,
        new_key_prefix: created.connection.key_prefix,
        overlap_seconds: options.overlapSeconds,
        previous_expires_at: previous.expires_at?.toISOString() ?? null,
        expires_at: created.connection.expires_at?.toISOString() ?? null,
      },
    });
    announceAuthChange(tx, { connectionId: old.id });
    return { ...created, previous };
  });
}

export async function listConnections(db: Database, orgId: string): Promise<ConnectionRecord[]> {
  const { rows } = await db.query<ConnectionRecord>(
    `SELECT ${COLUMNS} FROM connections WHERE org_id = $1 ORDER BY created_at DESC`,
    [orgId],
  );
  return rows;
}

/**
 * Ends a rotated-away key's overlap now (tests, and an admin sure the old key is out of use): it stops
 * working from the next request on, as when its overlap runs out. False when the key is not the org's, or
 * was not rotated away.
 */
export async function endRotationOverlap(db: Database, orgId: string, id: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rowCount } = await tx.query(
      `UPDATE connections c SET expires_at = LEAST(c.expires_at, now() - interval '1 millisecond')
        WHERE c.org_id = $1 AND c.id = $2 AND c.auth_type = 'api_key' AND EXISTS (SELECT 1 FROM connections n WHERE n.rotated_from = c.id)`,
      [orgId, id],
    );
    if (rowCount > 0) announceAuthChange(tx, { connectionId: id });
    return rowCount > 0;
  });
}

/**
 * Revokes at once: authentication reads the row on every request. An OAuth grant's tokens are
 * revoked with it, in the same transaction. `ofUser` limits the revocation to that person's own
 * grants. Returns null when not found in the org (or not theirs).
 */
export async function revokeConnection(
  db: Database,
  orgId: string,
  id: string,
  options: { ofUser?: string; actor?: AuditActor } = {},
): Promise<ConnectionRecord | null> {
  const actor = options.actor ?? SYSTEM_ACTOR;
  return db.transaction(async (tx) => {
    // now() is the transaction's start: equal to revoked_at only when this transaction revoked it.
    const { rows } = await tx.query<ConnectionRecord & { newly_revoked: boolean }>(
      `UPDATE connections SET revoked_at = COALESCE(revoked_at, now())
        WHERE org_id = $1 AND id = $2 AND ($3::uuid IS NULL OR user_id = $3) RETURNING ${COLUMNS}, revoked_at = now() AS newly_revoked`,
      [orgId, id, options.ofUser ?? null],
    );
    const row = rows[0];
    if (!row) return null;
    const { newly_revoked, ...connection } = row;
    if (newly_revoked) {
      await recordAudit(tx, {
        orgId,
        actor,
        type: 'connection.revoked',
        target: { type: 'connection', id },
        details: { name: connection.name, auth_type: connection.auth_type },
      });
    }
    announceAuthChange(tx, { connectionId: connection.id });
    if (connection.auth_type === 'oauth') {
      await tx.query('UPDATE oauth_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE connection_id = $1', [id]);
    }
    await disableSubscriptionsOf(tx, orgId, { connectionIds: [connection.id] }, 'its connection was revoked', actor);
    return connection;
  });
}

export interface ConnectionView extends ConnectionRecord {
  user_email: string | null;
  user_name: string | null;
  creator_email: string | null;
  creator_name: string | null;
}

/** The active connections of an org for the API, with the person of each grant; `ofUser` keeps only theirs. */
export async function listActiveConnections(db: Database, orgId: string, options: { ofUser?: string } = {}): Promise<ConnectionView[]> {
  const { rows } = await db.query<ConnectionView>(
    `SELECT ${COLUMNS.split(', ').map((c) => `c.${c}`).join(', ')}, u.email AS user_email, u.name AS user_name,
            cb.email AS creator_email, cb.name AS creator_name
       FROM connections c LEFT JOIN users u ON u.id = c.user_id LEFT JOIN users cb ON cb.id = coalesce(c.created_by_user_id, c.user_id)
      WHERE c.org_id = $1 AND c.revoked_at IS NULL AND ($2::uuid IS NULL OR c.user_id = $2)
      ORDER BY c.created_at DESC, c.id`,
    [orgId, options.ofUser ?? null],
  );
  return rows;
}

type Person = { email: string; name: string | null };

const createdBy = (id: string | null, p: Person | null) => (id && p ? { id, email: p.email, name: p.name } : null);

export const toConnectionJson = (c: ConnectionRecord, user: Person | null, creator: Person | null = null) => ({
  id: c.id,
  name: c.name,
  auth_type: c.auth_type,
  key_prefix: c.key_prefix,
  scopes: c.scopes,
  rate_limit: c.rate_limit,
  rate_limit_window: c.rate_limit_window,
  user: c.user_id && user ? { id: c.user_id, email: user.email, name: user.name } : null,
  created_by: createdBy(c.created_by_user_id ?? c.user_id, c.created_by_user_id ? creator : user),
  created_at: c.created_at.toISOString(),
  revoked_at: c.revoked_at ? c.revoked_at.toISOString() : null,
  expires_at: c.expires_at ? c.expires_at.toISOString() : null,
});

/** The columns a credential's caller is built from: its connection and its org (alias `c` and `o`). */
export interface CallerRow {
  connection_id: string;
  connection_name: string;
  rate_limit: number;
  rate_limit_window: RateLimitWindow;
  connection_created_at: Date;
  connection_expires_at: Date | null;
  org_id: string;
  org_slug: string;
  org_name: string;
  emergency_stop: boolean;
}

export const CALLER_COLUMNS = `c.id AS connection_id, c.name AS connection_name, c.rate_limit, c.rate_limit_window, c.created_at AS connection_created_at, c.expires_at AS connection_expires_at,
       o.id AS org_id, o.slug AS org_slug, o.name AS org_name, o.emergency_stop`;

/** The caller of a connection's credential, with the scopes it holds and the person it acts for, if any. */
export function callerOf(
  row: CallerRow,
  auth_type: 'api_key' | 'oauth',
  scopes: Scope[],
  user: NonNullable<AuthContext['user']> | null,
): AuthContext {
  return {
    org: { id: row.org_id, slug: row.org_slug, name: row.org_name, emergency_stop: row.emergency_stop },
    principal: user
      ? { type: 'user', id: user.id, name: user.name ?? user.email }
      : { type: 'connection', id: row.connection_id, name: row.connection_name },
    connection: {
      id: row.connection_id,
      name: row.connection_name,
      auth_type,
      scopes,
      rate_limit: row.rate_limit,
      rate_limit_window: row.rate_limit_window,
      created_at: row.connection_created_at,
      expires_at: row.connection_expires_at,
    },
    user,
    scopes,
    rateLimitKey: `conn:${row.connection_id}`,
    rateLimit: row.rate_limit,
    rateLimitWindowSeconds: RATE_LIMIT_WINDOWS[row.rate_limit_window],
  };
}

/**
 * The caller an API key stands for, by the key's SHA-256: its connection, acting as itself. Null when
 * unknown or revoked. An expired key is answered too (`connection.expires_at`): authentication refuses
 * it with its own message, on every request, cached or not (http/auth.ts).
 */
export async function authenticateApiKey(db: Queryable, keyHash: string): Promise<AuthContext | null> {
  const { rows } = await db.query<CallerRow & { auth_type: 'api_key' | 'oauth'; scopes: Scope[] }>(
    `SELECT ${CALLER_COLUMNS}, c.auth_type, c.scopes
       FROM connections c JOIN orgs o ON o.id = c.org_id
      WHERE c.key_hash = $1 AND c.revoked_at IS NULL`,
    [keyHash],
    { prepare: 'authenticate_api_key' },
  );
  const row = rows[0];
  return row ? callerOf(row, row.auth_type, row.scopes, null) : null;
}
