/**
 * An org's GitHub App (github_settings): its id, slug, private key and webhook secret. The key and the
 * secret are sealed (security/sealed.ts) and never read back through the API.
 */
import { createPrivateKey } from 'node:crypto';
import { GITHUB_WEBHOOK_PATH, type GithubSettings, type UpdateGithubSettingsBody } from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
import { recordAudit, type AuditActor } from '../../core/audit.ts';
import { secretKeys } from '../../security/sealed.ts';
import { fieldError } from '../../errors.ts';
import { callGithub, githubOctokit, type GithubConnection } from '../../channels/github/github-client.ts';

export const webhookPath = (orgId: string): string => GITHUB_WEBHOOK_PATH.replace(':org', orgId);

interface SettingsRow {
  app_id: string;
  app_slug: string | null;
  updated_at: Date;
}

function view(orgId: string, row: SettingsRow | undefined, publicUrl: string): GithubSettings {
  return {
    configured: row !== undefined,
    app_id: row ? Number(row.app_id) : null,
    app_slug: row?.app_slug ?? null,
    private_key: { configured: row !== undefined },
    webhook_secret: { configured: row !== undefined },
    webhook_url: `${publicUrl}${webhookPath(orgId)}`,
    install_url: row?.app_slug ? `https://github.com/apps/${encodeURIComponent(row.app_slug)}/installations/new` : null,
    updated_at: row ? row.updated_at.toISOString() : null,
  };
}

const SELECT = 'SELECT app_id::text, app_slug, updated_at FROM github_settings WHERE org_id = $1';

export async function readGithubSettings(db: Queryable, orgId: string, publicUrl: string): Promise<GithubSettings> {
  const { rows } = await db.query<SettingsRow>(SELECT, [orgId]);
  return view(orgId, rows[0], publicUrl);
}


/**
 * Connects the app: the key must be an RSA private key, and GitHub must accept a JWT signed with it
 * for this app id (`GET /app`, which also gives the slug). Then the app is stored, with its audit entry.
 * A key or id GitHub refuses is a 400 and nothing is stored.
 */
export async function connectGithub(db: Database, orgId: string, body: UpdateGithubSettingsBody, actor: AuditActor, publicUrl: string, conn: GithubConnection): Promise<GithubSettings> {
  try {
    const key = createPrivateKey(body.private_key);
    if (key.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
  } catch {
    throw fieldError('private_key', 'refused', 'private_key is not an RSA private key in PEM form');
  }
  const privateKey = body.private_key.trim() + '\n';
  const checked = await callGithub(async () => (await githubOctokit({ appId: body.app_id, privateKey }, conn)).request('GET /app'));
  if (checked.error !== null || !checked.value) {
    throw fieldError('app_id', 'refused', `GitHub did not accept the app id and private key (${checked.error ?? 'no answer'})`);
  }
  const app = checked.value.data as { id?: number; slug?: string } | null;
  if (app?.id !== undefined && app.id !== body.app_id) throw fieldError('app_id', 'refused', 'GitHub answered for another app id');
  const slug = typeof app?.slug === 'string' && /^[A-Za-z0-9_-]{1,100}$/.test(app.slug) ? app.slug : null;
  const keys = secretKeys();
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<SettingsRow>(`${SELECT} FOR UPDATE`, [orgId]);
    await tx.query(
      `INSERT INTO github_settings (org_id, app_id, app_slug, private_key, webhook_secret) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (org_id) DO UPDATE SET app_id = EXCLUDED.app_id, app_slug = EXCLUDED.app_slug, private_key = EXCLUDED.private_key,
              webhook_secret = EXCLUDED.webhook_secret, updated_at = now()`,
      [orgId, body.app_id, slug, keys.seal(privateKey), keys.seal(body.webhook_secret)],
    );
    await recordAudit(tx, {
      orgId,
      actor,
      type: 'github.configured',
      target: { type: 'org', id: orgId },
      details: { replaced_secrets: ['private_key', 'webhook_secret'], app_id: body.app_id, app_slug: slug, replaced: rows.length > 0 },
    });
    return view(orgId, (await tx.query<SettingsRow>(SELECT, [orgId])).rows[0], publicUrl);
  });
}

/** Forgets the org's app (its events are refused, its reviews not sent), with its audit entry. */
export async function removeGithub(db: Database, orgId: string, actor: AuditActor, publicUrl: string): Promise<GithubSettings> {
  return db.transaction(async (tx) => {
    const { rowCount } = await tx.query('DELETE FROM github_settings WHERE org_id = $1', [orgId]);
    if (rowCount > 0) await recordAudit(tx, { orgId, actor, type: 'github.removed', target: { type: 'org', id: orgId } });
    return view(orgId, undefined, publicUrl);
  });
}
