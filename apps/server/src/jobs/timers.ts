/**
 * Durable timers (storage/migrations/036_reminders.sql): reminders and escalations of the steps a
 * request waits on, and members' daily digests. What they tell is notify/'s (reminders.ts, digests.ts);
 * this job fires them.
 *
 * - Firing: due timers are claimed FOR UPDATE SKIP LOCKED together with a share lock on their
 *   request (SKIP LOCKED too: a request being decided right now is left for the next poll), and in
 *   the same transaction fired: the reminder or digest is queued (the outbox's `notify` rows), or the
 *   escalation written, and the timer is marked fired. Two processes never fire one timer; one killed
 *   mid-way fires nothing and the timer stays due. A request or step that stopped waiting has
 *   cancelled its timers in its own transaction (storage/functions/timers_cancel.sql); one that is
 *   found not waiting here is cancelled, never fired.
 * - Digests: each poll (at most once a minute per process) writes the digest timer of every member
 *   whose digest hour has come in their time zone, one per member, org and local day (a unique
 *   index), and it fires like the others. A digest hour during which no process ran is skipped.
 */
import { DEFAULT_NOTIFICATION_PREFERENCES, type EscalationTarget } from '@greenlight/contract';
import type { Database, Queryable } from '../storage/database.ts';
import { recordAudit } from '../core/audit.ts';
import { appendEvent, SYSTEM_ACTOR } from '../core/events.ts';
import { fireReminder, reminderPolicy } from '../notify/reminders.ts';
import { fireDigest } from '../notify/digests.ts';
import { digestHourOf, localClock, parsePreferences } from '../notify/preferences.ts';

export const TIMER_BATCH_SIZE = 100;

interface TimerRow {
  id: string;
  kind: 'remind' | 'escalate' | 'digest';
  org_id: string;
  approval_id: string | null;
  step_order: number;
  seq: number;
  user_id: string | null;
}

/**
 * Due timers (an org's wait while its emergency stop is on: an escalation changes who may decide),
 * with their request share-locked: SKIP LOCKED on both, so this never waits for a decision
 * in progress, and a decision waits for this transaction rather than committing between its check
 * and its writes.
 */
const CLAIM_SQL = `
SELECT t.id, t.kind, t.org_id, t.approval_id, t.step_order, t.seq, t.user_id
  FROM timers t
 WHERE t.fired_at IS NULL AND t.cancelled_at IS NULL AND t.fire_at <= now()
   AND NOT EXISTS (SELECT 1 FROM orgs o WHERE o.id = t.org_id AND o.emergency_stop)
 ORDER BY t.fire_at
 LIMIT $1
   FOR UPDATE SKIP LOCKED`;

/** Whether the timer's request (and step) still waits; null when the request is locked by a change in progress. */
async function stillWaiting(tx: Queryable, t: TimerRow): Promise<boolean | null> {
  const { rows } = await tx.query<{ status: string }>('SELECT status FROM approvals WHERE id = $1 FOR SHARE SKIP LOCKED', [t.approval_id]);
  if (rows.length === 0) return null;
  if (rows[0]!.status !== 'pending') return false;
  if (t.step_order === 0) return true;
  const { rows: step } = await tx.query('SELECT 1 FROM approval_steps WHERE approval_id = $1 AND step_order = $2 AND status = $3', [t.approval_id, t.step_order, 'pending']);
  return step.length > 0;
}

export interface TimerRuntime {
  db: Database;
  /** This server sends email: an escalation has its target told by email too (the fan-out reads greenlight.notify). */
  notify: boolean;
}

/** Fires every due timer, batch after batch; returns how many fired. */
export async function fireDueTimers(rt: TimerRuntime): Promise<number> {
  let fired = 0;
  for (;;) {
    const batch = await rt.db.transaction(async (tx) => {
      const { rows } = await tx.query<TimerRow>(CLAIM_SQL, [TIMER_BATCH_SIZE]);
      let n = 0;
      for (const t of rows) {
        let outcome: string;
        if (t.kind === 'digest') {
          outcome = await fireDigest(tx, { id: t.id, org_id: t.org_id, user_id: t.user_id! });
        } else {
          const waiting = await stillWaiting(tx, t);
          if (waiting === null) continue; // being changed right now: next poll
          if (!waiting) {
            await tx.query(`UPDATE timers SET cancelled_at = now(), outcome = 'no longer waiting' WHERE id = $1`, [t.id]);
            continue;
          }
          outcome = t.kind === 'remind' ? await fireReminder(tx, { ...t, approval_id: t.approval_id! }) : await fireEscalation(tx, t, rt.notify);
        }
        await tx.query('UPDATE timers SET fired_at = now(), outcome = $2 WHERE id = $1', [t.id, outcome]);
        n++;
      }
      return { claimed: rows.length, fired: n };
    });
    fired += batch.fired;
    // A full batch that fired nothing was all left for requests being changed: the next poll takes them.
    if (batch.claimed < TIMER_BATCH_SIZE || batch.fired === 0) return fired;
  }
}

/** Who an escalation adds: a person (still an approver or admin of the org), a team of the org, or the org's admins. */
async function escalationTargets(tx: Queryable, orgId: string, to: EscalationTarget): Promise<{ userIds: string[]; teamIds: string[] }> {
  if (to === 'next_level') {
    const { rows } = await tx.query<{ user_id: string }>(`SELECT user_id FROM memberships WHERE org_id = $1 AND role = 'admin' ORDER BY user_id`, [orgId]);
    return { userIds: rows.map((r) => r.user_id), teamIds: [] };
  }
  if ('user_id' in to) {
    const { rows } = await tx.query(`SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2 AND role IN ('approver', 'admin')`, [orgId, to.user_id]);
    return { userIds: rows.length > 0 ? [to.user_id] : [], teamIds: [] };
  }
  const { rows } = await tx.query('SELECT 1 FROM teams WHERE org_id = $1 AND id = $2', [orgId, to.team_id]);
  return { userIds: [], teamIds: rows.length > 0 ? [to.team_id] : [] };
}

/**
 * Adds the policy's target to the approvers of the step, so that they may decide it; records a
 * `step.escalated` event (which, like a step change, has the newly asked told) and an audit entry.
 */
async function fireEscalation(tx: Queryable, t: TimerRow, notify: boolean): Promise<string> {
  const escalate = (await reminderPolicy(tx, t.approval_id!, t.step_order))?.escalate;
  if (!escalate) return 'no escalation policy';
  const target = await escalationTargets(tx, t.org_id, escalate.to);
  const { rows } = await tx.query<{ id: string; added_users: string[]; added_teams: string[] }>(
    `WITH before AS (SELECT id, approver_ids, team_ids FROM approval_steps WHERE approval_id = $1 AND step_order = $2)
     UPDATE approval_steps s
        SET approver_ids = ARRAY(SELECT DISTINCT x FROM unnest(s.approver_ids || $3::uuid[]) AS x),
            team_ids = ARRAY(SELECT DISTINCT x FROM unnest(s.team_ids || $4::uuid[]) AS x)
       FROM before b
      WHERE s.id = b.id
     RETURNING s.id,
       ARRAY(SELECT x FROM unnest($3::uuid[]) AS x WHERE NOT x = ANY (b.approver_ids)) AS added_users,
       ARRAY(SELECT x FROM unnest($4::uuid[]) AS x WHERE NOT x = ANY (b.team_ids)) AS added_teams`,
    [t.approval_id, t.step_order, target.userIds, target.teamIds],
  );
  const step = rows[0];
  if (!step) return 'step removed';
  const details = { step_order: t.step_order, to: escalate.to, added_user_ids: step.added_users, added_team_ids: step.added_teams };
  if (notify) await tx.query(`SELECT set_config('greenlight.notify', 'on', true)`);
  await appendEvent(tx, { orgId: t.org_id, approvalId: t.approval_id, type: 'step.escalated', actor: SYSTEM_ACTOR, data: { step_id: step.id, ...details } });
  await recordAudit(tx, { orgId: t.org_id, actor: { type: 'system', name: 'escalation' }, type: 'approval.escalated', target: { type: 'approval', id: t.approval_id! }, details });
  return `escalated: ${step.added_users.length} people, ${step.added_teams.length} teams added`;
}

/**
 * Writes today's digest timer of every approver and admin whose digest hour (in their time zone) is
 * the current hour; once per member, org and local day.
 */
export async function scheduleDigests(db: Database, now = new Date()): Promise<number> {
  const { rows } = await db.query<{ org_id: string; user_id: string; own: unknown; defaults: unknown }>(
    `SELECT m.org_id, m.user_id, p.preferences AS own, o.notification_defaults AS defaults
       FROM memberships m JOIN orgs o ON o.id = m.org_id
       LEFT JOIN notification_preferences p ON p.org_id = m.org_id AND p.user_id = m.user_id
      WHERE m.role IN ('approver', 'admin')
        AND (p.preferences IS NOT NULL OR o.notification_defaults IS NOT NULL)`,
  );
  const due: { org: string; user: string; day: string }[] = [];
  for (const r of rows) {
    const prefs = parsePreferences(r.own) ?? parsePreferences(r.defaults) ?? DEFAULT_NOTIFICATION_PREFERENCES;
    const hour = digestHourOf(prefs);
    if (hour === null) continue;
    const clock = localClock(now, prefs.time_zone);
    if (Math.floor(clock.minute / 60) === hour) due.push({ org: r.org_id, user: r.user_id, day: clock.date });
  }
  if (due.length === 0) return 0;
  const { rowCount } = await db.query(
    `INSERT INTO timers (kind, org_id, user_id, digest_day, fire_at)
     SELECT 'digest', u.org, u.usr, u.day, now() FROM unnest($1::uuid[], $2::uuid[], $3::date[]) AS u (org, usr, day)
     ON CONFLICT (org_id, user_id, digest_day) WHERE kind = 'digest' DO NOTHING`,
    [due.map((d) => d.org), due.map((d) => d.user), due.map((d) => d.day)],
  );
  return rowCount;
}

/** One poll: today's digests, then every due timer. Digests are looked for at most once a minute. */
export function timerPoller(rt: TimerRuntime): () => Promise<number> {
  let lastDigestMinute = -1;
  return async () => {
    const minute = Math.floor(Date.now() / 60_000);
    if (minute !== lastDigestMinute) {
      lastDigestMinute = minute;
      await scheduleDigests(rt.db);
    }
    return fireDueTimers(rt);
  };
}
