import type { Scope } from '@greenlight/contract';
import type { Database } from '../../storage/database.ts';
import type { AuthContext } from '../../http/auth.ts';
import { sha256Hex } from '../../security/tokens.ts';

interface AccessTokenRow {
  token_scopes: Scope[];
  connection_id: string;
  connection_name: string;
  connection_scopes: Scope[];
  rate_limit: number;
  connection_created_at: Date;
  org_id: string;
  org_slug: string;
  org_name: string;
  emergency_stop: boolean;
  user_id: string;
  email: string;
  user_name: string | null;
  role: 'admin' | 'approver' | 'viewer';
}

/**
 * Resolves an OAuth access token (RFC 6750). The token acts as the person who granted it, through
 * the grant's connection: the connection's rate limit and revocation apply, and so does the
 * person's current role (a member removed from the org, or demoted, is so at once). Null when
 * unknown, expired or revoked.
 */
export async function authenticateAccessToken(db: Database, token: string): Promise<AuthContext | null> {
  const { rows } = await db.query<AccessTokenRow>(
    `SELECT t.scopes AS token_scopes, c.id AS connection_id, c.name AS connection_name, c.scopes AS connection_scopes,
            c.rate_limit, c.created_at AS connection_created_at,
            o.id AS org_id, o.slug AS org_slug, o.name AS org_name, o.emergency_stop,
            u.id AS user_id, u.email, u.name AS user_name, m.role
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
  return {
    org: { id: r.org_id, slug: r.org_slug, name: r.org_name, emergency_stop: r.emergency_stop },
    principal: { type: 'user', id: r.user_id, name: r.user_name ?? r.email },
    connection: {
      id: r.connection_id,
      name: r.connection_name,
      auth_type: 'oauth',
      scopes,
      rate_limit: r.rate_limit,
      created_at: r.connection_created_at,
    },
    user: { id: r.user_id, email: r.email, name: r.user_name, role: r.role },
    scopes,
    rateLimitKey: `conn:${r.connection_id}`,
    rateLimit: r.rate_limit,
  };
}
