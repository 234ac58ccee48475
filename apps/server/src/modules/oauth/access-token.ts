import type { Scope } from '@greenlight/contract';
import type { Database } from '../../storage/database.ts';
import type { AuthContext } from '../../context.ts';
import { sha256Hex } from '../../security/tokens.ts';
import { CALLER_COLUMNS, callerOf, type CallerRow } from '../connections/connections.ts';

interface AccessTokenRow extends CallerRow {
  token_scopes: Scope[];
  connection_scopes: Scope[];
  user_id: string;
  email: string;
  user_name: string | null;
  role: 'admin' | 'approver' | 'viewer';
  see_sensitive: boolean;
}

/**
 * Resolves an OAuth access token (RFC 6750). The token acts as the person who granted it, through
 * the grant's connection: the connection's rate limit and revocation apply, and so does the
 * person's current role (a member removed from the org, or demoted, is so at once). Null when
 * unknown, expired or revoked.
 */
export async function authenticateAccessToken(db: Database, token: string): Promise<AuthContext | null> {
  const { rows } = await db.query<AccessTokenRow>(
    `SELECT ${CALLER_COLUMNS}, t.scopes AS token_scopes, c.scopes AS connection_scopes,
            u.id AS user_id, u.email, u.name AS user_name, m.role, m.see_sensitive
       FROM oauth_tokens t
       JOIN connections c ON c.id = t.connection_id
       JOIN orgs o ON o.id = c.org_id
       JOIN users u ON u.id = c.user_id
       JOIN memberships m ON m.org_id = c.org_id AND m.user_id = c.user_id
       JOIN oauth_clients oc ON oc.id = t.client_id
      WHERE t.token_hash = $1 AND t.kind = 'access' AND t.revoked_at IS NULL AND t.expires_at > now()
        AND c.revoked_at IS NULL AND oc.revoked_at IS NULL`,
    [sha256Hex(token)],
  );
  const r = rows[0];
  if (!r) return null;
  const scopes = r.token_scopes.filter((s) => r.connection_scopes.includes(s));
  return callerOf(r, 'oauth', scopes, { id: r.user_id, email: r.email, name: r.user_name, role: r.role, see_sensitive: r.see_sensitive });
}
