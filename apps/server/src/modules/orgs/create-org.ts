import type { Database, Queryable } from '../../storage/database.ts';
import { randomToken, sha256Hex } from '../../security/tokens.ts';
import { constraintName, sqlState } from '../../storage/database.ts';
import { announceAuthChange } from '../../http/api-key-cache.ts';
import { DELIVERIES_CHANNEL } from '../../events/event-bus.ts';
import { recordAudit, SYSTEM_ACTOR, type AuditActor } from '../../core/audit.ts';
import { appendEvent } from '../../core/events.ts';

export const SIGN_IN_LINK_TTL_MINUTES = 60;

export class DuplicateError extends Error {}

/** Creates an org and its first admin, and a one-time sign-in link for that admin (no password anywhere). */
export async function createOrg(db: Database, input: { slug: string; name: string; adminEmail: string }) {
  const token = randomToken();
  try {
    return await db.transaction(async (tx) => {
      const org = (
        await tx.query<{ id: string; slug: string; name: string }>(
          'INSERT INTO orgs (slug, name) VALUES ($1, $2) RETURNING id, slug, name',
          [input.slug, input.name],
        )
      ).rows[0]!;
      const user = (
        await tx.query<{ id: string; email: string }>(
          `INSERT INTO users (email) VALUES ($1)
           ON CONFLICT ((lower(email))) DO UPDATE SET email = users.email
           RETURNING id, email`,
          [input.adminEmail],
        )
      ).rows[0]!;
      await tx.query(`INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, 'admin')`, [org.id, user.id]);
      await tx.query(
        `INSERT INTO sign_in_tokens (token_hash, user_id, org_id, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(mins => $4))`,
        [sha256Hex(token), user.id, org.id, SIGN_IN_LINK_TTL_MINUTES],
      );
      return { org, user, signInToken: token };
    });
  } catch (err) {
    if (sqlState(err) === '23505' && constraintName(err) === 'orgs_slug_key') {
      throw new DuplicateError(`an org with slug "${input.slug}" already exists`);
    }
    throw err;
  }
}

/** Adds a member (used by tests and, later, the members API). */
export async function addMember(db: Database, input: { orgId: string; email: string; role: 'admin' | 'approver' | 'viewer'; name?: string }) {
  return db.transaction(async (tx) => {
    const user = (
      await tx.query<{ id: string; email: string }>(
        `INSERT INTO users (email, name) VALUES ($1, $2)
         ON CONFLICT ((lower(email))) DO UPDATE SET email = users.email
         RETURNING id, email`,
        [input.email, input.name ?? null],
      )
    ).rows[0]!;
    await tx.query(
      `INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, $3)
       ON CONFLICT (org_id, user_id) DO UPDATE SET role = EXCLUDED.role`,
      [input.orgId, user.id, input.role],
    );
    return user;
  });
}

export async function findOrgBySlug(db: Database, slug: string) {
  const { rows } = await db.query<{ id: string; slug: string; name: string; emergency_stop: boolean }>(
    'SELECT id, slug, name, emergency_stop FROM orgs WHERE slug = $1',
    [slug],
  );
  return rows[0] ?? null;
}

/**
 * Turns the org's emergency stop on or off. Decisions hold a share lock on the org row,
 * so a decision in flight either commits before the stop or sees it.
 */
export async function setEmergencyStop(db: Database, orgId: string, on: boolean, actor: AuditActor = SYSTEM_ACTOR) {
  return db.transaction((tx) => applyEmergencyStop(tx, orgId, on, actor));
}

async function applyEmergencyStop(tx: Queryable, orgId: string, on: boolean, actor: AuditActor) {
  const before = (await tx.query<{ emergency_stop: boolean }>('SELECT emergency_stop FROM orgs WHERE id = $1 FOR UPDATE', [orgId])).rows[0];
  if (!before) return null;
  const { rows } = await tx.query<{ emergency_stop: boolean }>(
    `UPDATE orgs SET emergency_stop = $2, emergency_stop_changed_at = now() WHERE id = $1 RETURNING emergency_stop`,
    [orgId, on],
  );
  if (before.emergency_stop !== on) {
    await recordAudit(tx, { orgId, actor, type: on ? 'emergency_stop.enabled' : 'emergency_stop.disabled', target: { type: 'org', id: orgId } });
    // On the org's event stream too, so every open dashboard shows (or clears) the banner at once.
    await appendEvent(tx, {
      orgId,
      approvalId: null,
      type: 'emergency_stop.changed',
      actor: actor.type === 'system' ? { type: 'system', id: null, name: actor.name } : { type: actor.type, id: actor.id, name: null },
      data: { emergency_stop: on },
    });
  }
  // Sent once committed: cached API keys carry the org's flag, so they are dropped.
  announceAuthChange(tx, { orgId });
  // Deliveries held during the stop are due: wake the workers rather than wait for their sweep.
  if (!on) tx.notify(DELIVERIES_CHANNEL, orgId);
  return rows[0] ?? null;
}

export interface OrgSettings {
  emergency_stop: boolean;
  admin_override: boolean;
  resolve_policy: 'approvers' | 'admin_only';
}

/**
 * `PATCH /org`: the emergency stop and who may decide (the admin override, the resolve policy), in one
 * transaction; each change that changes something is audited. Votes read these under the org row's
 * share lock (greenlight_decide), so a vote sees the rules before or after a change, never between.
 */
export async function updateOrgSettings(db: Database, orgId: string, change: Partial<OrgSettings>, actor: AuditActor): Promise<OrgSettings | null> {
  return db.transaction(async (tx) => {
    const before = (await tx.query<OrgSettings>('SELECT emergency_stop, admin_override, resolve_policy FROM orgs WHERE id = $1 FOR UPDATE', [orgId])).rows[0];
    if (!before) return null;
    if (change.emergency_stop !== undefined) await applyEmergencyStop(tx, orgId, change.emergency_stop, actor);
    const rules = { admin_override: change.admin_override ?? before.admin_override, resolve_policy: change.resolve_policy ?? before.resolve_policy };
    if (rules.admin_override !== before.admin_override || rules.resolve_policy !== before.resolve_policy) {
      await tx.query('UPDATE orgs SET admin_override = $2, resolve_policy = $3 WHERE id = $1', [orgId, rules.admin_override, rules.resolve_policy]);
      await recordAudit(tx, {
        orgId,
        actor,
        type: 'org.settings_changed',
        target: { type: 'org', id: orgId },
        details: { from: { admin_override: before.admin_override, resolve_policy: before.resolve_policy }, to: rules },
      });
    }
    return (await tx.query<OrgSettings>('SELECT emergency_stop, admin_override, resolve_policy FROM orgs WHERE id = $1', [orgId])).rows[0]!;
  });
}
