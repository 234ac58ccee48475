import type { DecidedByPolicy, EventType, Principal } from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
import { DELIVERIES_CHANNEL, EVENTS_CHANNEL, notificationOf } from '../../events/event-bus.ts';
import { APPROVAL_COLUMNS, approvalFromJson, contentSha256, type ApprovalRow } from '../approval-record.ts';
import { appendEvent, type Caller } from '../events.ts';
import { createOne, type CreateItem } from './create-batch.ts';

/** A decision a decider other than a person made about a new request (core/deciders). */
export interface AutoDecision {
  decision: 'approve' | 'reject';
  policy: DecidedByPolicy;
}

/** The actor of a policy's decision on events: Greenlight itself, naming the policy. */
export const policyActor = (p: DecidedByPolicy): Principal => ({ type: 'system', id: null, name: `policy ${p.id}` });

/** The decision's comment: the policy's `@reason`, or what decided in words. */
const commentOf = (d: AutoDecision) => d.policy.reason ?? `${d.decision === 'approve' ? 'approved' : 'rejected'} by policy ${d.policy.id}`;

/**
 * A policy's decision on a pending request, in the caller's transaction: behind the same guard as a
 * person's vote (lockPending's rules: the org's emergency stop is off, the request is pending and not past
 * its deadline), then the final transition a person's last vote makes, with `decided_by` null,
 * `decided_by_type: 'policy'` and the policy in `decided_by_policy`, and the final event in the shape of a
 * person's (decision, comment, source, current_approvals, approved_content_sha256) plus `reason: 'policy'`
 * and `policy`. The event fans out as any decision's does (callback, subscriptions, chat message
 * updates: events_fan_out.sql); steps left open are closed by greenlight_close_steps. No vote is
 * recorded: nobody voted.
 */
export async function decideByPolicy(tx: Queryable, lock: (tx: Queryable, orgId: string, id: string) => Promise<ApprovalRow>, orgId: string, approvalId: string, d: AutoDecision): Promise<{ approval: ApprovalRow; eventId: string; type: EventType }> {
  const a = await lock(tx, orgId, approvalId);
  const to = d.decision === 'approve' ? 'approved' : 'rejected';
  const comment = commentOf(d);
  const { rows } = await tx.query<ApprovalRow>(
    `UPDATE approvals a SET status = $3, decided_at = now(), decided_by = NULL, decided_by_type = 'policy', decided_by_policy = $4::jsonb,
            decision_comment = $5, updated_at = now()
      WHERE a.id = $1 AND a.org_id = $2 AND a.status = 'pending' RETURNING ${APPROVAL_COLUMNS}`,
    [approvalId, orgId, to, JSON.stringify(d.policy), comment],
  );
  const type: EventType = `approval.${to}`;
  const eventId = await appendEvent(tx, {
    orgId,
    approvalId,
    type,
    actor: policyActor(d.policy),
    from: 'pending',
    to,
    data: {
      decision: d.decision,
      comment,
      source: 'policy',
      current_approvals: a.current_approvals,
      reason: 'policy',
      policy: d.policy,
      approved_content_sha256: contentSha256(a),
    },
  });
  return { approval: rows[0]!, eventId, type };
}

export type CreateDecidedResult =
  | { kind: 'created'; approval: ApprovalRow }
  | { kind: 'stopped' }
  | { kind: 'key-taken' };

/**
 * Create and a policy's decision in one transaction: the request is never seen pending, and a crash
 * leaves neither. This path writes alone (not in a create batch): the decision must commit with its
 * request. Announced after the commit like any create and decision.
 */
export async function createDecided(db: Database, lock: (tx: Queryable, orgId: string, id: string) => Promise<ApprovalRow>, caller: Caller, item: CreateItem, d: AutoDecision): Promise<CreateDecidedResult> {
  return db.transaction(async (tx) => {
    const r = await createOne(tx, item);
    if (!r.org_open) return { kind: 'stopped' };
    if (r.approval === null) return { kind: 'key-taken' };
    const created = approvalFromJson(r.approval);
    tx.notify(EVENTS_CHANNEL, notificationOf({ orgId: caller.org.id, eventId: r.event_id!, approvalId: created.id, type: 'approval.created' }));
    const decided = await decideByPolicy(tx, lock, caller.org.id, created.id, d);
    tx.notify(DELIVERIES_CHANNEL, `event:${decided.eventId}`);
    return { kind: 'created', approval: decided.approval };
  });
}
