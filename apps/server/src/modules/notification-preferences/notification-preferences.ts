/**
 * Notification preferences as the API reads and changes them: a member's own (per org) and the
 * org's defaults, with the org's default reminder policy. Which channels and when follows from them
 * in one place, notify/preferences.ts. Every change is in the audit log.
 */
import {
  DEFAULT_NOTIFICATION_PREFERENCES,
  ReminderPolicy,
  type MyNotificationPreferences,
  type NotificationPreferences,
  type OrgNotificationDefaults,
  type UpdateNotificationPreferencesBody,
  type UpdateOrgNotificationDefaultsBody,
} from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
import { approverIssues, escalationTarget } from '../../core/approvers.ts';
import { recordAudit, type AuditActor } from '../../core/audit.ts';
import { parsePreferences } from '../../notify/preferences.ts';
import { ApiError } from '../../errors.ts';

async function orgDefaults(db: Queryable, orgId: string, lock = false): Promise<OrgNotificationDefaults> {
  const { rows } = await db.query<{ notification_defaults: unknown; reminder_policy: unknown }>(
    `SELECT notification_defaults, reminder_policy FROM orgs WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [orgId],
  );
  const policy = ReminderPolicy.safeParse(rows[0]?.reminder_policy);
  return {
    preferences: parsePreferences(rows[0]?.notification_defaults) ?? DEFAULT_NOTIFICATION_PREFERENCES,
    reminder_policy: policy.success ? policy.data : null,
  };
}

export async function myPreferences(db: Queryable, orgId: string, userId: string): Promise<MyNotificationPreferences> {
  const defaults = (await orgDefaults(db, orgId)).preferences;
  const { rows } = await db.query<{ preferences: unknown }>('SELECT preferences FROM notification_preferences WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
  const own = parsePreferences(rows[0]?.preferences);
  return { preferences: own ?? defaults, own: own !== null, org_defaults: defaults };
}

export async function updateMyPreferences(
  db: Database,
  orgId: string,
  userId: string,
  body: UpdateNotificationPreferencesBody,
  actor: AuditActor,
): Promise<MyNotificationPreferences> {
  return db.transaction(async (tx) => {
    if (body.use_org_defaults) {
      await tx.query('DELETE FROM notification_preferences WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
      await recordAudit(tx, { orgId, actor, type: 'notification_preferences.changed', target: { type: 'user', id: userId }, details: { use_org_defaults: true } });
      return myPreferences(tx, orgId, userId);
    }
    const { rows } = await tx.query<{ preferences: unknown }>(
      'SELECT preferences FROM notification_preferences WHERE org_id = $1 AND user_id = $2 FOR UPDATE',
      [orgId, userId],
    );
    const base = parsePreferences(rows[0]?.preferences) ?? (await orgDefaults(tx, orgId)).preferences;
    const { use_org_defaults: _, ...changes } = body;
    const next: NotificationPreferences = { ...base, ...changes };
    await tx.query(
      `INSERT INTO notification_preferences (org_id, user_id, preferences) VALUES ($1, $2, $3)
       ON CONFLICT (org_id, user_id) DO UPDATE SET preferences = EXCLUDED.preferences, updated_at = now()`,
      [orgId, userId, JSON.stringify(next)],
    );
    await recordAudit(tx, { orgId, actor, type: 'notification_preferences.changed', target: { type: 'user', id: userId }, details: { preferences: next, changed: Object.keys(changes) } });
    return myPreferences(tx, orgId, userId);
  });
}

export const getOrgDefaults = (db: Queryable, orgId: string): Promise<OrgNotificationDefaults> => orgDefaults(db, orgId);

export async function updateOrgDefaults(db: Database, orgId: string, body: UpdateOrgNotificationDefaultsBody, actor: AuditActor): Promise<OrgNotificationDefaults> {
  return db.transaction(async (tx) => {
    const current = await orgDefaults(tx, orgId, true);
    const preferences = body.preferences ? { ...current.preferences, ...body.preferences } : current.preferences;
    const reminderPolicy = body.reminder_policy === undefined ? current.reminder_policy : body.reminder_policy;
    const issues = await approverIssues(tx, orgId, escalationTarget('reminder_policy', reminderPolicy));
    if (issues.length > 0) throw new ApiError('VALIDATION_ERROR', `${issues[0]!.path}: ${issues[0]!.message}`, { location: 'body', issues });
    await tx.query('UPDATE orgs SET notification_defaults = $2, reminder_policy = $3 WHERE id = $1', [
      orgId,
      JSON.stringify(preferences),
      reminderPolicy === null ? null : JSON.stringify(reminderPolicy),
    ]);
    await recordAudit(tx, {
      orgId,
      actor,
      type: 'notification_defaults.changed',
      target: { type: 'org', id: orgId },
      details: { preferences, reminder_policy: reminderPolicy, changed: Object.keys(body) },
    });
    return { preferences, reminder_policy: reminderPolicy };
  });
}
