/**
 * Reminders and escalations: when they are due (durable timers, storage/migrations/036_reminders.sql,
 * fired by jobs/timers.ts) and what a reminder tells.
 *
 * - When a step starts waiting, the expansion that tells its approvers (notify-channel.ts) writes its
 *   timers from its policy. A later expansion for the same step adds nothing (unique per step).
 * - A reminder that fires queues a `notify` row (notify-channel.ts) that works out, when it is sent,
 *   whom it reminds (who-is-told.ts, whoToRemind) and tells them through their channels; and it
 *   writes the step's next reminder while the policy wants more.
 */
import { durationSeconds, ReminderPolicy, remindersMax } from '@greenlight/contract';
import type { Queryable } from '../storage/database.ts';
import { enqueue } from '../delivery/outbox/outbox.ts';
import { NOTIFY } from './notify-spec.ts';

const parsePolicy = (stored: unknown): ReminderPolicy | null => {
  const r = ReminderPolicy.safeParse(stored);
  return r.success ? r.data : null;
};

/**
 * The reminder policy of one step of a request (step 0: a request without steps), as a SQL scalar
 * subquery of the request's id and the step's order: its flow step's, else the routing rule's the
 * request was routed by, else the org's default. A flow step stored without one holds JSON null,
 * which `nullif` turns into SQL NULL so that the next one applies.
 */
const reminderPolicySql = (approvalIdSql: string, stepOrderSql: string): string => `(
  SELECT coalesce(nullif(fv.definition -> 'steps' -> (${stepOrderSql} - 1) -> 'reminders', 'null'), nullif(r.routing -> 'reminders', 'null'), o.reminder_policy)
    FROM approvals r JOIN orgs o ON o.id = r.org_id
    LEFT JOIN approval_steps rs ON rs.approval_id = r.id AND rs.step_order = ${stepOrderSql}
    LEFT JOIN flow_versions fv ON fv.flow_id = r.flow_id AND fv.version = r.flow_version AND rs.step_order IS NOT NULL
   WHERE r.id = ${approvalIdSql})`;

export async function reminderPolicy(tx: Queryable, approvalId: string, stepOrder: number): Promise<ReminderPolicy | null> {
  const { rows } = await tx.query<{ policy: unknown }>(`SELECT ${reminderPolicySql('$1::uuid', '$2::int')} AS policy`, [approvalId, stepOrder], { prepare: 'reminder_policy' });
  return parsePolicy(rows[0]?.policy);
}

/**
 * The steps a pending request waits on now, each with its reminder policy: its active steps
 * (greenlight_active_steps), or the request itself (step 0) when it has no steps.
 */
const WAITING_STEPS_SQL = `
SELECT w.id AS approval_id, w.org_id, w.step_order, ${reminderPolicySql('w.id', 'w.step_order')} AS policy
  FROM (SELECT a.id, a.org_id, coalesce(s.step_order, 0) AS step_order
          FROM approvals a
          LEFT JOIN LATERAL greenlight_active_steps(a.id) s ON true
         WHERE a.id = $1 AND a.status = 'pending'
           AND (s.step_order IS NOT NULL OR NOT EXISTS (SELECT 1 FROM approval_steps x WHERE x.approval_id = a.id))) w`;

/** A step a request waits on now, with its reminder policy as stored (waitingSteps). */
export interface WaitingStep {
  approval_id: string;
  org_id: string;
  step_order: number;
  policy: unknown;
}

/** The steps the request waits on now: what startStepTimers starts the clocks of (read apart, so it can go beside other reads). */
export async function waitingSteps(tx: Queryable, approvalId: string): Promise<WaitingStep[]> {
  // Prepared, as askedNow (core/approvals/rules.ts): planning the inlined active-steps rule costs more
  // than running it. From its generic plan: the same whatever the request, and Postgres would plan a
  // connection's first five calls for their values (most calls, at a few creates a second).
  return (await tx.query<WaitingStep>(WAITING_STEPS_SQL, [approvalId], { prepare: 'waiting_steps', generic: true })).rows;
}

/** Writes the first reminder and the escalation of each step of `steps` (waitingSteps), once per step. */
export async function startStepTimers(tx: Queryable, steps: WaitingStep[]): Promise<void> {
  for (const r of steps) {
    const policy = parsePolicy(r.policy);
    // Requests without steps have nobody to escalate to: everyone who may decide is already asked.
    const due: { kind: 'remind' | 'escalate'; seconds: number }[] = [];
    if (policy?.remind) due.push({ kind: 'remind', seconds: durationSeconds(policy.remind.after) });
    if (policy?.escalate && r.step_order > 0) due.push({ kind: 'escalate', seconds: durationSeconds(policy.escalate.after) });
    if (due.length === 0) continue;
    await tx.query(
      `INSERT INTO timers (kind, org_id, approval_id, step_order, seq, fire_at)
       SELECT u.kind, $1, $2, $3, 1, now() + u.seconds * interval '1 second' FROM unnest($4::text[], $5::int[]) AS u (kind, seconds)
       ON CONFLICT (approval_id, step_order, kind, seq) WHERE approval_id IS NOT NULL DO NOTHING`,
      [r.org_id, r.approval_id, r.step_order, due.map((d) => d.kind), due.map((d) => d.seconds)],
    );
  }
}

/** A reminder timer of one step (jobs/timers.ts). */
export interface ReminderTimer {
  id: string;
  org_id: string;
  approval_id: string;
  step_order: number;
  seq: number;
}

/**
 * Fires a reminder, in the timer's transaction: queues the reminder (its people are worked out when it
 * is sent) and the step's next reminder while the policy wants more. Returns what the timer records.
 */
export async function fireReminder(tx: Queryable, t: ReminderTimer): Promise<string> {
  await enqueue(tx, NOTIFY, 'reminder', [{ orgId: t.org_id, approvalId: t.approval_id, dedupeKey: `reminder:${t.id}`, payload: { step_order: t.step_order } }]);
  const remind = (await reminderPolicy(tx, t.approval_id, t.step_order))?.remind;
  if (remind?.every && t.seq < remindersMax(remind)) {
    await tx.query(
      `INSERT INTO timers (kind, org_id, approval_id, step_order, seq, fire_at)
       VALUES ('remind', $1, $2, $3, $4, now() + $5 * interval '1 second')
       ON CONFLICT (approval_id, step_order, kind, seq) WHERE approval_id IS NOT NULL DO NOTHING`,
      [t.org_id, t.approval_id, t.step_order, t.seq + 1, durationSeconds(remind.every)],
    );
  }
  return 'reminder queued';
}
