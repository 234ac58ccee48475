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
import { DEFAULT_NOTIFICATION_PREFERENCES } from '@greenlight/contract';
import type { Database, Queryable } from '../storage/database.ts';
import { escalateStep } from '../core/approvals/index.ts';
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

/** Adds the step's escalation policy target to whoever it asks (core/approvals/escalate.ts). */
async function fireEscalation(tx: Queryable, t: TimerRow, notify: boolean): Promise<string> {
  const escalate = (await reminderPolicy(tx, t.approval_id!, t.step_order))?.escalate;
  if (!escalate) return 'no escalation policy';
  const added = await escalateStep(tx, { orgId: t.org_id, approvalId: t.approval_id!, stepOrder: t.step_order, to: escalate.to, notify });
  if (!added) return 'step removed';
  return `escalated: ${added.userIds.length} people, ${added.teamIds.length} teams added`;
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
