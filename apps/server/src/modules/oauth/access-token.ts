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
  expires_at: Date;
  public_client_id: string;
  resource: string | null;
}

/** A resolved access token: who it acts as, and what a resource server states about it (RFC 9068-like claims). */
export interface ResolvedAccessToken {
  auth: AuthContext;
  expiresAt: Date;
  clientId: string;
  resource: string | null;
}

/**
 * Resolves an OAuth access token (RFC 6750). The token acts as the person who granted it, through
 * the grant's connection: the connection's rate limit and revocation apply, and so does the
 * person's current role (a member removed from the org, or demoted, is so at once). Null when
 * unknown, expired or revoked.
 */
export async function authenticateAccessToken(db: Database, token: string): Promise<AuthContext | null> {
  return (await resolveAccessToken(db, token, null))?.auth ?? null;
}

/**
 * The same, for the resource `resource` (RFC 8707 audience; null: the REST API). A token bound to
 * another resource is unknown here, as one of another server would be: an MCP token cannot call the
 * REST API directly, nor a REST API token the MCP endpoint.
 */
export async function resolveAccessToken(db: Database, token: string, resource: string | null): Promise<ResolvedAccessToken | null> {
  const { rows } = await db.query<AccessTokenRow>(
    `SELECT ${CALLER_COLUMNS}, t.scopes AS token_scopes, c.scopes AS connection_scopes,
            u.id AS user_id, u.email, u.name AS user_name, m.role, m.see_sensitive,
            t.expires_at, oc.client_id AS public_client_id, t.resource
       FROM oauth_tokens t
       JOIN connections c ON c.id = t.connection_id
       JOIN orgs o ON o.id = c.org_id
       JOIN users u ON u.id = c.user_id
       JOIN memberships m ON m.org_id = c.org_id AND m.user_id = c.user_id
       JOIN oauth_clients oc ON oc.id = t.client_id
      WHERE t.token_hash = $1 AND t.kind = 'access' AND t.revoked_at IS NULL AND t.expires_at > now()
        AND c.revoked_at IS NULL AND oc.revoked_at IS NULL AND (oc.expires_at IS NULL OR oc.expires_at > now()) AND t.resource IS NOT DISTINCT FROM $2`,
    [sha256Hex(token), resource],
  );
  const r = rows[0];
  if (!r) return null;
  const scopes = r.token_scopes.filter((s) => r.connection_scopes.includes(s));
  const auth = callerOf(r, 'oauth', scopes, { id: r.user_id, email: r.email, name: r.user_name, role: r.role, see_sensitive: r.see_sensitive });
  return { auth, expiresAt: r.expires_at, clientId: r.public_client_id, resource: r.resource };
}
