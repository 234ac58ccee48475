import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { RateLimitWindow, SCOPES, type Scope } from '@greenlight/contract';
import type { Database } from '../../storage/database.ts';
import { constantTimeEqual, sha256Hex } from '../../security/tokens.ts';
import { announceAuthChange } from '../../http/api-key-cache.ts';
import { recordAudit, SYSTEM_ACTOR, type AuditActor } from '../../core/audit.ts';

export interface OAuthClientRecord {
  id: string;
  org_id: string;
  client_id: string;
  name: string;
  redirect_uris: string[];
  scopes: Scope[];
  rate_limit: number;
  rate_limit_window: RateLimitWindow;
  created_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = 'id, org_id, client_id, name, redirect_uris, scopes, rate_limit, rate_limit_window, created_at, revoked_at';

const isLoopback = (host: string) => host === 'localhost' || host === '127.0.0.1' || host === '[::1]';

/**
 * A redirect URI a client may register: absolute, https (http only for loopback, RFC 8252 §7.3),
 * no fragment (RFC 6749 §3.1.2), no credentials. Stored as typed and later compared as an exact string.
 */
export const RedirectUri = z
  .string()
  .max(2000)
  // zod runs every refinement: the first one aborts, so the later ones only see parseable URLs.
  .refine((s) => URL.canParse(s), { message: 'must be an absolute URL', abort: true })
  .refine((s) => {
    const u = new URL(s);
    return u.protocol === 'https:' || (u.protocol === 'http:' && isLoopback(u.hostname));
  }, 'must use https (http only for localhost)')
  .refine((s) => !s.includes('#'), 'must not contain a fragment')
  .refine((s) => {
    const u = new URL(s);
    return u.username === '' && u.password === '';
  }, 'must not contain credentials');

export const CreateOAuthClientInput = z.object({
  name: z.string().trim().min(1).max(200),
  redirect_uris: z.array(RedirectUri).min(1).max(20),
  scopes: z.array(z.enum(SCOPES)).min(1).default([...SCOPES]),
  rate_limit: z.number().int().min(1).max(10_000).default(100),
  rate_limit_window: RateLimitWindow.default('hour'),
});
export type CreateOAuthClientInput = z.input<typeof CreateOAuthClientInput>;

/** Registers a confidential client. The secret is returned once; only its SHA-256 is stored. */
export async function createOAuthClient(
  db: Database,
  orgId: string,
  input: CreateOAuthClientInput,
  actor: AuditActor = SYSTEM_ACTOR,
): Promise<{ client: OAuthClientRecord; clientSecret: string }> {
  const data = CreateOAuthClientInput.parse(input);
  const clientId = `glc_${randomBytes(16).toString('hex')}`;
  const clientSecret = `glcs_${randomBytes(32).toString('base64url')}`;
  const scopes = SCOPES.filter((s) => data.scopes.includes(s));
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<OAuthClientRecord>(
      `INSERT INTO oauth_clients (org_id, client_id, client_secret_hash, name, redirect_uris, scopes, rate_limit, rate_limit_window)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
      [orgId, clientId, sha256Hex(clientSecret), data.name, [...new Set(data.redirect_uris)], scopes, data.rate_limit, data.rate_limit_window],
    );
    const client = rows[0]!;
    await recordAudit(tx, {
      orgId,
      actor,
      type: 'oauth_client.registered',
      target: { type: 'oauth_client', id: client.id },
      details: { name: client.name, client_id: clientId, redirect_uris: client.redirect_uris, scopes },
    });
    return { client, clientSecret };
  });
}

export async function listOAuthClients(db: Database, orgId: string): Promise<OAuthClientRecord[]> {
  const { rows } = await db.query<OAuthClientRecord>(
    `SELECT ${COLUMNS} FROM oauth_clients WHERE org_id = $1 ORDER BY created_at DESC, id`,
    [orgId],
  );
  return rows;
}

/**
 * Revokes a client and, in the same transaction, every grant it holds: its tokens stop working
 * on the next request. Null when the client is not in the org.
 */
export async function revokeOAuthClient(db: Database, orgId: string, id: string, actor: AuditActor = SYSTEM_ACTOR): Promise<OAuthClientRecord | null> {
  return db.transaction(async (tx) => {
    // now() is the transaction's start: equal to revoked_at only when this transaction revoked it.
    const { rows } = await tx.query<OAuthClientRecord & { newly_revoked: boolean }>(
      `UPDATE oauth_clients SET revoked_at = COALESCE(revoked_at, now()) WHERE org_id = $1 AND id = $2
       RETURNING ${COLUMNS}, revoked_at = now() AS newly_revoked`,
      [orgId, id],
    );
    if (!rows[0]) return null;
    const { newly_revoked, ...client } = rows[0];
    if (newly_revoked) {
      await recordAudit(tx, { orgId, actor, type: 'oauth_client.revoked', target: { type: 'oauth_client', id }, details: { name: client.name } });
    }
    await tx.query(
      `UPDATE connections SET revoked_at = COALESCE(revoked_at, now())
        WHERE id IN (SELECT DISTINCT connection_id FROM oauth_tokens WHERE client_id = $1)`,
      [id],
    );
    await tx.query('UPDATE oauth_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE client_id = $1', [id]);
    announceAuthChange(tx, { orgId });
    return client;
  });
}

/** An active client by its public `client_id`. */
export async function findActiveClient(db: Database, clientId: string): Promise<(OAuthClientRecord & { client_secret_hash: string }) | null> {
  if (clientId.length > 200) return null;
  const { rows } = await db.query<OAuthClientRecord & { client_secret_hash: string }>(
    `SELECT ${COLUMNS}, client_secret_hash FROM oauth_clients WHERE client_id = $1 AND revoked_at IS NULL`,
    [clientId],
  );
  return rows[0] ?? null;
}

export const secretMatches = (storedHash: string, presented: string): boolean => constantTimeEqual(storedHash, sha256Hex(presented));

export const toClientJson = (c: OAuthClientRecord) => ({
  id: c.id,
  client_id: c.client_id,
  name: c.name,
  redirect_uris: c.redirect_uris,
  scopes: c.scopes,
  rate_limit: c.rate_limit,
  rate_limit_window: c.rate_limit_window,
  created_at: c.created_at.toISOString(),
  revoked_at: c.revoked_at ? c.revoked_at.toISOString() : null,
});
