import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { RateLimitWindow, SCOPES, type Scope } from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
import { constantTimeEqual, sha256Hex } from '../../security/tokens.ts';
import { announceAuthChange } from '../../http/api-key-cache.ts';
import { recordAudit, SYSTEM_ACTOR, type AuditActor } from '../../core/audit.ts';
import { OAUTH_SETTINGS } from './settings.ts';

export interface OAuthClientRecord {
  id: string;
  /** Null for a client that registered itself: it acts in the org of whoever grants it access. */
  org_id: string | null;
  client_id: string;
  name: string;
  redirect_uris: string[];
  scopes: Scope[];
  rate_limit: number;
  rate_limit_window: RateLimitWindow;
  created_at: Date;
  revoked_at: Date | null;
  /** When the client stops working (null: never). */
  expires_at: Date | null;
  /** After a rotation of its secret: until when the previous secret works (null: none does). */
  previous_secret_expires_at: Date | null;
  /** `admin`: registered by an admin, confidential. `dynamic`: registered itself (RFC 7591), public. */
  registration: 'admin' | 'dynamic';
}

/** An admin-registered client, which always has an org. */
export type OrgOAuthClientRecord = OAuthClientRecord & { org_id: string };

const COLUMNS =
  'id, org_id, client_id, name, redirect_uris, scopes, rate_limit, rate_limit_window, created_at, revoked_at, expires_at, registration, ' +
  'CASE WHEN previous_secret_expires_at > now() THEN previous_secret_expires_at END AS previous_secret_expires_at';

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
  expires_at: z.coerce.date().nullable().default(null),
});
export type CreateOAuthClientInput = z.input<typeof CreateOAuthClientInput>;

/** Registers a confidential client. The secret is returned once; only its SHA-256 is stored. */
export async function createOAuthClient(
  db: Database,
  orgId: string,
  input: CreateOAuthClientInput,
  actor: AuditActor = SYSTEM_ACTOR,
): Promise<{ client: OrgOAuthClientRecord; clientSecret: string }> {
  const data = CreateOAuthClientInput.parse(input);
  const clientId = `glc_${randomBytes(16).toString('hex')}`;
  const clientSecret = `glcs_${randomBytes(32).toString('base64url')}`;
  const scopes = SCOPES.filter((s) => data.scopes.includes(s));
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<OrgOAuthClientRecord>(
      `INSERT INTO oauth_clients (org_id, client_id, client_secret_hash, name, redirect_uris, scopes, rate_limit, rate_limit_window, expires_at, created_by_user_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
      [
        orgId, clientId, sha256Hex(clientSecret), data.name, [...new Set(data.redirect_uris)], scopes, data.rate_limit, data.rate_limit_window,
        data.expires_at, actor.type === 'user' ? actor.id : null,
      ],
    );
    const client = rows[0]!;
    await recordAudit(tx, {
      orgId,
      actor,
      type: 'oauth_client.registered',
      target: { type: 'oauth_client', id: client.id },
      details: { name: client.name, client_id: clientId, redirect_uris: client.redirect_uris, scopes, expires_at: client.expires_at?.toISOString() ?? null },
    });
    return { client, clientSecret };
  });
}

// A self-registered client has no secret, hence no previous one.
const DYNAMIC_COLUMNS = COLUMNS.split(', ')
  .map((c) => (c === 'revoked_at' ? 'b.created_at AS revoked_at' : c.startsWith('CASE') ? 'NULL::timestamptz AS previous_secret_expires_at' : `oc.${c}`))
  .join(', ');

/**
 * The org's clients: the ones its admins registered, and the self-registered ones its members have
 * authorized (a code issued in this org), with `revoked_at` the moment an admin revoked one here.
 */
export async function listOAuthClients(db: Database, orgId: string): Promise<OAuthClientRecord[]> {
  const { rows } = await db.query<OAuthClientRecord>(
    `SELECT ${COLUMNS} FROM oauth_clients WHERE org_id = $1
     UNION ALL
     SELECT ${DYNAMIC_COLUMNS}
       FROM oauth_clients oc LEFT JOIN oauth_client_blocks b ON b.org_id = $1 AND b.client_id = oc.id
      WHERE oc.registration = 'dynamic' AND oc.id IN (SELECT client_id FROM oauth_codes WHERE org_id = $1)
     ORDER BY created_at DESC, id`,
    [orgId],
  );
  return rows;
}

/** Whether an admin of `orgId` revoked this self-registered client there. */
export async function blockedInOrg(db: Queryable, orgId: string, clientUuid: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM oauth_client_blocks WHERE org_id = $1 AND client_id = $2', [orgId, clientUuid]);
  return rows.length > 0;
}

/**
 * Revokes a self-registered client in one org: every grant it holds there ends, in this transaction,
 * and consent to it there is refused from now on. Other orgs' grants are theirs. Null when no member
 * of the org ever authorized it (it is not the org's to see).
 */
async function revokeDynamicClientInOrg(db: Database, orgId: string, id: string, actor: AuditActor): Promise<OAuthClientRecord | null> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<OAuthClientRecord>(
      `SELECT ${COLUMNS} FROM oauth_clients
        WHERE id = $2 AND registration = 'dynamic' AND id IN (SELECT client_id FROM oauth_codes WHERE org_id = $1)`,
      [orgId, id],
    );
    const client = rows[0];
    if (!client) return null;
    const blocked = await tx.query<{ created_at: Date }>(
      `INSERT INTO oauth_client_blocks (org_id, client_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING created_at`,
      [orgId, id],
    );
    if (blocked.rows[0]) {
      await recordAudit(tx, { orgId, actor, type: 'oauth_client.revoked', target: { type: 'oauth_client', id }, details: { name: client.name, client_id: client.client_id, registration: 'dynamic' } });
    }
    await tx.query(
      `UPDATE connections SET revoked_at = COALESCE(revoked_at, now())
        WHERE org_id = $1 AND id IN (SELECT DISTINCT connection_id FROM oauth_tokens WHERE client_id = $2)`,
      [orgId, id],
    );
    await tx.query(
      `UPDATE oauth_tokens SET revoked_at = COALESCE(revoked_at, now())
        WHERE client_id = $2 AND connection_id IN (SELECT id FROM connections WHERE org_id = $1)`,
      [orgId, id],
    );
    announceAuthChange(tx, { orgId });
    const { rows: at } = await tx.query<{ created_at: Date }>('SELECT created_at FROM oauth_client_blocks WHERE org_id = $1 AND client_id = $2', [orgId, id]);
    return { ...client, revoked_at: at[0]!.created_at };
  });
}

/**
 * Revokes a client and, in the same transaction, every grant it holds: its tokens stop working
 * on the next request. Null when the client is not in the org.
 */
export async function revokeOAuthClient(db: Database, orgId: string, id: string, actor: AuditActor = SYSTEM_ACTOR): Promise<OAuthClientRecord | null> {
  const dynamic = await revokeDynamicClientInOrg(db, orgId, id, actor);
  if (dynamic) return dynamic;
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

/**
 * A self-registered client no member has authorized: one with no code issued to it, ever (codes are
 * kept; tokens and an org's block of it come after one). `c` is the oauth_clients row.
 */
export const NEVER_AUTHORIZED = `c.registration = 'dynamic' AND NOT EXISTS (SELECT 1 FROM oauth_codes WHERE client_id = c.id)`;

/**
 * An active client by its public `client_id`; `client_secret_hash` is null for a public client. A
 * self-registered client nobody authorized within OAUTH_SETTINGS.unauthorizedClientTtl is expired:
 * not found, whether or not the purge has removed it yet.
 */
export async function findActiveClient(db: Database, clientId: string): Promise<(OAuthClientRecord & ClientSecrets) | null> {
  // Visible ASCII only (RFC 6749 §A.1: VSCHAR): a NUL, which Postgres refuses in text, or any other
  // control character names no client, and never reaches the query.
  if (!/^[\x20-\x7e]{1,200}$/.test(clientId)) return null;
  const { rows } = await db.query<OAuthClientRecord & ClientSecrets>(
    `SELECT ${COLUMNS}, client_secret_hash, CASE WHEN previous_secret_expires_at > now() THEN previous_secret_hash END AS previous_secret_hash
       FROM oauth_clients c
      WHERE client_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
        AND NOT (c.created_at <= now() - make_interval(secs => $2) AND ${NEVER_AUTHORIZED})`,
    [clientId, OAUTH_SETTINGS.unauthorizedClientTtl],
  );
  return rows[0] ?? null;
}

/** A self-registered client nobody has authorized yet, with the moment it is deleted. */
export type UnauthorizedClient = OAuthClientRecord & { purge_at: Date };

/** Every self-registered client nobody has authorized yet, install-wide (they belong to no org), oldest first. */
export async function listUnauthorizedClients(db: Queryable): Promise<UnauthorizedClient[]> {
  const { rows } = await db.query<UnauthorizedClient>(
    `SELECT ${COLUMNS}, created_at + make_interval(secs => $1) AS purge_at FROM oauth_clients c
      WHERE ${NEVER_AUTHORIZED} ORDER BY created_at, id`,
    [OAUTH_SETTINGS.unauthorizedClientTtl],
  );
  return rows;
}

/** A client's secrets as stored: the current one, and the previous one while its overlap lasts (null after). */
export interface ClientSecrets {
  client_secret_hash: string | null;
  previous_secret_hash: string | null;
}

/**
 * Whether `presented` is the client's secret, or its previous one during the overlap after a rotation
 * (findActiveClient answers that one only until its end, judged by the database clock). Both are
 * compared, in constant time, whichever matches. A public client has no secret: nothing matches it (it
 * authenticates with `none`, RFC 7591 §2).
 */
export const secretMatches = (client: ClientSecrets, presented: string): boolean => {
  if (client.client_secret_hash === null) return false;
  const hash = sha256Hex(presented);
  const current = constantTimeEqual(client.client_secret_hash, hash);
  const previous = client.previous_secret_hash !== null && constantTimeEqual(client.previous_secret_hash, hash);
  return current || previous;
};

/**
 * Replaces a confidential client's secret: the new one is returned once (only its SHA-256 is stored);
 * the current one becomes the previous one and works for `overlapSeconds` more (the database clock), and
 * one still previous from an earlier rotation stops at once. Revoked and expired clients, self-registered
 * (public) ones and other orgs' are not found (null). Audited in the same transaction.
 */
export async function rotateOAuthClientSecret(
  db: Database,
  orgId: string,
  id: string,
  overlapSeconds: number,
  actor: AuditActor = SYSTEM_ACTOR,
): Promise<{ client: OrgOAuthClientRecord; clientSecret: string } | null> {
  const clientSecret = `glcs_${randomBytes(32).toString('base64url')}`;
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<OrgOAuthClientRecord>(
      `UPDATE oauth_clients
          SET previous_secret_hash = client_secret_hash, previous_secret_expires_at = now() + make_interval(secs => $4),
              previous_secret_warned_at = NULL, client_secret_hash = $3, secret_rotated_at = now()
        WHERE org_id = $1 AND id = $2 AND registration = 'admin' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
        RETURNING ${COLUMNS.replace('previous_secret_expires_at > now()', 'previous_secret_expires_at >= now()')}`,
      [orgId, id, sha256Hex(clientSecret), overlapSeconds],
    );
    const client = rows[0];
    if (!client) return null;
    await recordAudit(tx, {
      orgId,
      actor,
      type: 'oauth_client.secret_rotated',
      target: { type: 'oauth_client', id },
      details: { name: client.name, client_id: client.client_id, overlap_seconds: overlapSeconds, previous_secret_expires_at: client.previous_secret_expires_at?.toISOString() ?? null },
    });
    announceAuthChange(tx, { orgId });
    return { client, clientSecret };
  });
}

/**
 * Ends the previous secret's overlap now (tests, and an admin who knows the old secret leaked): from the
 * next request on only the current secret works. Null when the client is not the org's.
 */
export async function endPreviousOAuthClientSecret(db: Queryable, orgId: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE oauth_clients SET previous_secret_expires_at = LEAST(previous_secret_expires_at, now() - interval '1 millisecond')
      WHERE org_id = $1 AND id = $2 AND previous_secret_hash IS NOT NULL`,
    [orgId, id],
  );
  return rowCount > 0;
}

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
  expires_at: c.expires_at ? c.expires_at.toISOString() : null,
  previous_secret_expires_at: c.previous_secret_expires_at ? c.previous_secret_expires_at.toISOString() : null,
  registration: c.registration,
});

/**
 * RFC 7591 §2 client metadata, as far as Greenlight uses it; other fields are ignored, as §2 asks.
 * Only public clients register themselves: `token_endpoint_auth_method` is `none` (omitted → `none`,
 * said so in the answer, §3.2.1), and PKCE is then required of them at the authorization endpoint.
 * Redirect URIs follow the rules of admin-registered ones (https, or http on loopback; RFC 9700
 * §2.1 and §4.1.3) and are compared as exact strings.
 */
export const DynamicClientMetadata = z.object({
  redirect_uris: z.array(z.string()).min(1).max(10),
  token_endpoint_auth_method: z.literal('none', { message: 'only public clients may register: token_endpoint_auth_method must be none' }).default('none'),
  grant_types: z
    .array(z.enum(['authorization_code', 'refresh_token'], { message: 'grant_types may hold only authorization_code and refresh_token' }))
    .min(1)
    .refine((g) => g.includes('authorization_code'), 'grant_types must include authorization_code')
    .default(['authorization_code', 'refresh_token']),
  response_types: z.array(z.literal('code', { message: 'response_types may hold only code' })).min(1).default(['code']),
  client_name: z.string().trim().min(1).max(200).optional(),
  scope: z
    .string()
    .max(1000)
    .transform((s) => s.split(' ').filter(Boolean))
    .refine((asked) => asked.every((x) => (SCOPES as readonly string[]).includes(x)), `scope may hold only ${SCOPES.join(', ')}`)
    .optional(),
  software_id: z.string().max(200).optional(),
  software_version: z.string().max(200).optional(),
});
export type DynamicClientMetadata = z.output<typeof DynamicClientMetadata>;

/** Registers a public client with no org; the caller has checked `metadata`. */
export async function registerDynamicClient(db: Database, metadata: DynamicClientMetadata): Promise<OAuthClientRecord> {
  const clientId = `glc_${randomBytes(16).toString('hex')}`;
  const scopes = metadata.scope ? SCOPES.filter((s) => metadata.scope!.includes(s)) : [...SCOPES];
  const { rows } = await db.query<OAuthClientRecord>(
    `INSERT INTO oauth_clients (org_id, client_id, client_secret_hash, name, redirect_uris, scopes, rate_limit, rate_limit_window, registration)
     VALUES (NULL, $1, NULL, $2, $3, $4, $5, 'hour', 'dynamic') RETURNING ${COLUMNS}`,
    [clientId, metadata.client_name ?? 'Unnamed application', [...new Set(metadata.redirect_uris)], scopes.length > 0 ? scopes : [...SCOPES], OAUTH_SETTINGS.dynamicClientRateLimit],
  );
  return rows[0]!;
}
