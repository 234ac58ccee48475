import { checkAnswer, type DecidedByGrant, type DecidedByPolicy, type EventType, type Principal } from '@greenlight/contract';
import { sideBySide, type Database, type Queryable } from '../../storage/database.ts';
import { DELIVERIES_CHANNEL, EVENTS_CHANNEL, notificationOf } from '../../events/event-bus.ts';
import { APPROVAL_COLUMNS, approvalFromJson, contentSha256, type ApprovalRow } from '../approval-record.ts';
import { appendEvent, type Caller } from '../events.ts';
import { createBatcherOf, type CreateItem, type CreateResult } from './create-batch.ts';

/**
 * A decision a decider other than a person made about a new request (core/deciders): a policy's
 * (approve or reject), or a standing grant's (approve only: a grant is a person's consent given ahead).
 */
export type AutoDecision = { decision: 'approve' | 'reject'; policy: DecidedByPolicy } | { decision: 'approve'; grant: DecidedByGrant };

/**
 * A decider that decides inside the create's transaction, once the request is written (a grant: its use
 * is counted in that transaction, so a request that is not created, or rolled back, uses nothing).
 * Answers null to leave the request to people.
 */
export type InTransactionDecider = (tx: Queryable, created: ApprovalRow) => Promise<AutoDecision | null>;

/** The actor of an auto-decision on events: Greenlight itself, naming the policy, or the grant and its giver. */
export const policyActor = (p: DecidedByPolicy): Principal => ({ type: 'system', id: null, name: `policy ${p.id}` });
export const grantActor = (g: DecidedByGrant): Principal => ({ type: 'system', id: null, name: `grant of ${g.given_by.name}` });

const usesText = (g: DecidedByGrant) => (g.max_uses === null ? `use ${g.use}` : `${g.use} of ${g.max_uses} used`);

/** The decision's comment: the policy's `@reason`, or what decided in words. */
function commentOf(d: AutoDecision): string {
  if ('grant' in d) return `approved by ${d.grant.given_by.name}'s grant (${usesText(d.grant)}, until ${d.grant.expires_at})`;
  return d.policy.reason ?? `${d.decision === 'approve' ? 'approved' : 'rejected'} by policy ${d.policy.id}`;
}

/**
 * An auto-decision on a pending request, in the caller's transaction: behind the same guard as a
 * person's vote (lockPending's rules: the org's emergency stop is off, the request is pending and not past
 * its deadline), then the final transition a person's last vote makes, with `decided_by` null,
 * `decided_by_type` 'policy' or 'grant' and the decider in `decided_by_policy` / `decided_by_grant`, and the
 * final event in the shape of a person's (decision, comment, source, current_approvals,
 * approved_content_sha256) plus `reason` ('policy' or 'grant') and `policy` / `grant`. The event fans out as
 * any decision's does (callback, subscriptions, chat message updates: events_fan_out.sql); steps left open
 * are closed by greenlight_close_steps. No vote is recorded: nobody voted now.
 */
export async function decideAutomatically(tx: Queryable, lock: (tx: Queryable, orgId: string, id: string) => Promise<ApprovalRow>, orgId: string, approvalId: string, d: AutoDecision): Promise<{ approval: ApprovalRow; eventId: string; type: EventType }> {
  const a = await lock(tx, orgId, approvalId);
  const to = d.decision === 'approve' ? 'approved' : 'rejected';
  const comment = commentOf(d);
  const byGrant = 'grant' in d;
  const answer = d.decision === 'approve' ? defaultsOf(a, d) : null;
  const type: EventType = `approval.${to}`;
  // The transition and its event go to the connection together (one round trip), in that order: the
  // event is made from the locked row, not from the update's answer.
  const [{ rows }, eventId] = await sideBySide([
    tx.query<ApprovalRow>(
      `UPDATE approvals a SET status = $3, decided_at = now(), decided_by = NULL, decided_by_type = $4, decided_by_policy = $5::jsonb,
              decided_by_grant = $6::jsonb, decision_comment = $7, response = $8::jsonb, updated_at = now()
        WHERE a.id = $1 AND a.org_id = $2 AND a.status = 'pending' RETURNING ${APPROVAL_COLUMNS}`,
      [
        approvalId, orgId, to, byGrant ? 'grant' : 'policy', byGrant ? null : JSON.stringify(d.policy), byGrant ? JSON.stringify(d.grant) : null, comment,
        answer?.response ? JSON.stringify(answer.response) : null,
      ],
    ),
    appendEvent(tx, {
      orgId,
      approvalId,
      type,
      actor: byGrant ? grantActor(d.grant) : policyActor(d.policy),
      from: 'pending',
      to,
      data: {
        decision: d.decision,
        comment,
        source: byGrant ? 'grant' : 'policy',
        current_approvals: a.current_approvals,
        ...(byGrant ? { reason: 'grant', grant: d.grant } : { reason: 'policy', policy: d.policy }),
        approved_content_sha256: contentSha256(a),
        ...answer,
      },
    }),
  ]);
  return { approval: rows[0]!, eventId, type };
}

/**
 * The answer of an automatic approval: an auto-decision never invents input, so a request that asks
 * for an answer gets its schema's defaults, and only when they answer it (the deciders check first:
 * a policy approves such a request only with `@answers("defaults")`, a grant never; the expiry sweep
 * has its own). Its edits: none (what was approved is what was asked). Null when nothing is asked.
 */
function defaultsOf(a: ApprovalRow, d: AutoDecision): { response: Record<string, unknown> | null; edits: [] } | null {
  if (a.response_schema === null && (a.editable ?? []).length === 0) return null;
  if (a.response_schema === null) return { response: null, edits: [] };
  const checked = checkAnswer(a.response_schema, {});
  // A decider that got here without checking is a bug: the create rolls back rather than approve unanswered.
  if (!checked.ok || 'grant' in d) throw new Error(`an automatic approval of ${a.id} would invent its answer`);
  return { response: checked.answer, edits: [] };
}

export type CreateDecidedResult =
  | { kind: 'created'; approval: ApprovalRow; decided: AutoDecision | null }
  | { kind: 'stopped' }
  | { kind: 'key-taken' };

/**
 * Create and an auto-decision in one transaction: a decided request is never seen pending, and a crash
 * leaves neither. `decider` is the decision made before (a policy's), or one made in the transaction once
 * the request is written (a grant's), which may leave it to people. The request goes in the create
 * batch of its moment (create-batch.ts) like any other, and the decision is made in that batch's
 * transaction: it commits with its request. Announced after the commit like any create and decision.
 */
export async function createDecided(
  db: Database,
  lock: (tx: Queryable, orgId: string, id: string) => Promise<ApprovalRow>,
  caller: Caller,
  item: CreateItem,
  decider: AutoDecision | InTransactionDecider,
  readAfter?: ReadInCreate,
): Promise<CreateDecidedResult> {
  const r = await createBatcherOf(db).create(item, (tx, w) => decideWritten(tx, lock, caller, w, decider, readAfter));
  if (!r.org_open) return { kind: 'stopped' };
  if (r.approval === null) return { kind: 'key-taken' };
  return r.after as CreateDecidedResult;
}

/** The decision about a request just written in this transaction (see createDecided). */
async function decideWritten(
  tx: Queryable,
  lock: (tx: Queryable, orgId: string, id: string) => Promise<ApprovalRow>,
  caller: Caller,
  r: CreateResult,
  decider: AutoDecision | InTransactionDecider,
  readAfter: ReadInCreate | undefined,
): Promise<CreateDecidedResult> {
  const created = approvalFromJson(r.approval!);
  tx.notify(EVENTS_CHANNEL, notificationOf({ orgId: caller.org.id, eventId: r.event_id!, approvalId: created.id, type: 'approval.created' }));
  // Announced as any create: the workers woken only when it queued a delivery. A decision's own
  // deliveries are told by its event (appendEvent).
  if (r.fanned_out) tx.notify(DELIVERIES_CHANNEL, `event:${r.event_id!}`);
  const d = typeof decider === 'function' ? await decider(tx, created) : decider;
  if (d === null) {
    issueRead(tx, created.id, readAfter);
    return { kind: 'created', approval: created, decided: null };
  }
  const decided = await decideAutomatically(tx, lock, caller.org.id, created.id, d);
  issueRead(tx, created.id, readAfter);
  return { kind: 'created', approval: decided.approval, decided: d };
}

/**
 * A read of the request as its transaction leaves it (the creator's answer), issued right after the
 * decision and not awaited: its statements go to the connection before the COMMIT and come back with
 * it, instead of a round trip after it. The caller keeps the promise and awaits it once the create
 * has committed; it must issue its statements before it first yields (run.ts detailFor does). Called
 * again when the transaction is tried again, each call's promise superseding the one before.
 */
export type ReadInCreate = (tx: Queryable, approvalId: string) => Promise<unknown>;

function issueRead(tx: Queryable, approvalId: string, read: ReadInCreate | undefined): void {
  // A read of a transaction that then failed is never awaited: its failure is nobody's.
  read?.(tx, approvalId).catch(() => {});
}
