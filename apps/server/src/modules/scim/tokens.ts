import { randomBytes } from 'node:crypto';
import { SCIM_BASE_PATH, SCIM_TOKEN_PATTERN, type ScimSettings, type ScimTokenCreated } from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
import { sha256Hex } from '../../security/tokens.ts';
import { recordAudit, type AuditActor } from '../../core/audit.ts';
import type { Role } from '../users/sessions.ts';

/** How often a token's `last_used_at` is written at most: every request would make each one a write. */
const LAST_USED_RESOLUTION_SECONDS = 60;

interface TokenRow {
  token_prefix: string;
  default_role: 'viewer' | 'approver';
  created_at: Date;
  last_used_at: Date | null;
}

const settingsOf = (row: TokenRow | undefined, publicUrl: string): ScimSettings => ({
  enabled: row !== undefined,
  base_url: `${publicUrl}${SCIM_BASE_PATH}`,
  token: row
    ? { prefix: row.token_prefix, default_role: row.default_role, created_at: row.created_at.toISOString(), last_used_at: row.last_used_at?.toISOString() ?? null }
    : null,
});

export async function readScimSettings(db: Queryable, orgId: string, publicUrl: string): Promise<ScimSettings> {
  const { rows } = await db.query<TokenRow>(
    'SELECT token_prefix, default_role, created_at, last_used_at FROM scim_tokens WHERE org_id = $1 AND revoked_at IS NULL',
    [orgId],
  );
  return settingsOf(rows[0], publicUrl);
}

/**
 * Issues the org's SCIM token, revoking the live one in the same transaction (one live token per org:
 * the partial unique index says so under concurrency too). The token is hashed as API keys are
 * (SHA-256 of 256 random bits: no slow hash is needed for a secret nobody chose).
 */
export async function createScimToken(
  db: Database,
  orgId: string,
  input: { defaultRole: 'viewer' | 'approver'; createdBy: string | null },
  actor: AuditActor,
  publicUrl: string,
): Promise<ScimTokenCreated> {
  const secret = `gl_scim_${randomBytes(32).toString('hex')}`;
  const prefix = secret.slice(0, 14);
  return db.transaction(async (tx) => {
    await tx.query('SELECT 1 FROM orgs WHERE id = $1 FOR UPDATE', [orgId]);
    const revoked = await tx.query('UPDATE scim_tokens SET revoked_at = now() WHERE org_id = $1 AND revoked_at IS NULL', [orgId]);
    const { rows } = await tx.query<TokenRow>(
      `INSERT INTO scim_tokens (org_id, token_hash, token_prefix, default_role, created_by_user_id) VALUES ($1, $2, $3, $4, $5)
       RETURNING token_prefix, default_role, created_at, last_used_at`,
      [orgId, sha256Hex(secret), prefix, input.defaultRole, input.createdBy],
    );
    await recordAudit(tx, {
      orgId,
      actor,
      type: 'scim.token_created',
      target: null,
      details: { prefix, default_role: input.defaultRole, replaced: (revoked.rowCount ?? 0) > 0 },
    });
    return { ...settingsOf(rows[0], publicUrl), secret };
  });
}

export async function revokeScimToken(db: Database, orgId: string, actor: AuditActor, publicUrl: string): Promise<ScimSettings> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ token_prefix: string }>(
      'UPDATE scim_tokens SET revoked_at = now() WHERE org_id = $1 AND revoked_at IS NULL RETURNING token_prefix',
      [orgId],
    );
    if (rows[0]) await recordAudit(tx, { orgId, actor, type: 'scim.token_revoked', target: null, details: { prefix: rows[0].token_prefix } });
    return settingsOf(undefined, publicUrl);
  });
}

/** Who a SCIM request acts for: the org of its token, and the role a person it provisions joins with. */
export interface ScimCaller {
  orgId: string;
  tokenId: string;
  defaultRole: Role;
}

/** The org of a live SCIM token; null for anything else (malformed, unknown, revoked). */
export async function resolveScimToken(db: Database, token: string): Promise<ScimCaller | null> {
  if (!SCIM_TOKEN_PATTERN.test(token)) return null;
  const { rows } = await db.query<{ id: string; org_id: string; default_role: Role; stale: boolean }>(
    `SELECT id, org_id, default_role, (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2)) AS stale
       FROM scim_tokens WHERE token_hash = $1 AND revoked_at IS NULL`,
    [sha256Hex(token), LAST_USED_RESOLUTION_SECONDS],
  );
  const row = rows[0];
  if (!row) return null;
  if (row.stale) await db.query('UPDATE scim_tokens SET last_used_at = now() WHERE id = $1', [row.id]);
  return { orgId: row.org_id, tokenId: row.id, defaultRole: row.default_role };
}
