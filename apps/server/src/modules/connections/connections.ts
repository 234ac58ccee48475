import { SCOPES, type Scope } from '@greenlight/contract';
import type { Database } from '../../storage/database.ts';
import { generateApiKey } from '../../security/tokens.ts';

export interface ConnectionRecord {
  id: string;
  org_id: string;
  name: string;
  auth_type: 'api_key' | 'oauth';
  key_prefix: string | null;
  scopes: Scope[];
  rate_limit: number;
  created_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = 'id, org_id, name, auth_type, key_prefix, scopes, rate_limit, created_at, revoked_at';

/** Creates an API-key connection. The key is returned once; only its SHA-256 is stored. */
export async function createConnection(
  db: Database,
  input: { orgId: string; name: string; scopes?: readonly Scope[]; rateLimit?: number; userId?: string | null },
): Promise<{ connection: ConnectionRecord; apiKey: string }> {
  const { key, hash, prefix } = generateApiKey();
  const { rows } = await db.query<ConnectionRecord>(
    `INSERT INTO connections (org_id, name, key_hash, key_prefix, scopes, rate_limit, user_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
    [input.orgId, input.name, hash, prefix, [...(input.scopes ?? SCOPES)], input.rateLimit ?? 100, input.userId ?? null],
  );
  return { connection: rows[0]!, apiKey: key };
}

export async function listConnections(db: Database, orgId: string): Promise<ConnectionRecord[]> {
  const { rows } = await db.query<ConnectionRecord>(
    `SELECT ${COLUMNS} FROM connections WHERE org_id = $1 ORDER BY created_at DESC`,
    [orgId],
  );
  return rows;
}

/** Revokes at once: authentication reads the row on every request. Returns null when not found in the org. */
export async function revokeConnection(db: Database, orgId: string, id: string): Promise<ConnectionRecord | null> {
  const { rows } = await db.query<ConnectionRecord>(
    `UPDATE connections SET revoked_at = COALESCE(revoked_at, now())
      WHERE org_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [orgId, id],
  );
  return rows[0] ?? null;
}
