import type { ApprovalStatus, EventType } from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
import { appendEvent, SYSTEM_ACTOR } from '../events/append-event.ts';
import { APPROVAL_COLUMNS, type ApprovalRow } from './serialize.ts';
import { contentSha256 } from './content-sha256.ts';

export const EXPIRY_BATCH_SIZE = 500;

/**
 * Claims due pending requests. SKIP LOCKED lets several server processes sweep side by side, and
 * leaves a request locked by a decision or cancel to that transaction, whose own deadline check
 * refuses it. FOR UPDATE re-checks `status = 'pending'` against the latest committed row, so a
 * request decided since the statement began is not claimed.
 */
const CLAIM_SQL = `
SELECT ${APPROVAL_COLUMNS}
  FROM approvals a
 WHERE a.status = 'pending' AND a.expires_at IS NOT NULL AND a.expires_at <= now()
 ORDER BY a.expires_at
 LIMIT $1
   FOR UPDATE SKIP LOCKED`;

export const AUTO_DECISION_COMMENT = {
  approve: 'automatically approved on expiry',
  reject: 'automatically rejected on expiry',
} as const;

/**
 * Applies each claimed request's `on_expiry` policy: `expire` → expired; `approve` / `reject` → a
 * final decision by the system (decided_by null, decided_by_type 'system'), stamped at the sweep.
 */
const APPLY_SQL = `
UPDATE approvals a
   SET status = CASE a.on_expiry WHEN 'approve' THEN 'approved' WHEN 'reject' THEN 'rejected' ELSE 'expired' END,
       decided_at = CASE WHEN a.on_expiry = 'expire' THEN NULL ELSE now() END,
       decided_by = NULL,
       decided_by_type = CASE WHEN a.on_expiry = 'expire' THEN NULL ELSE 'system' END,
       decision_comment = CASE a.on_expiry WHEN 'approve' THEN $2 WHEN 'reject' THEN $3 END,
       updated_at = now()
 WHERE a.id = ANY ($1::uuid[]) AND a.status = 'pending'
RETURNING a.id, a.status`;

type Outcome = Extract<ApprovalStatus, 'expired' | 'approved' | 'rejected'>;

const EVENT_OF: Record<Outcome, EventType> = {
  expired: 'approval.expired',
  approved: 'approval.approved',
  rejected: 'approval.rejected',
};

/**
 * The event of one swept request, in the shape of a person's decision where it is one (decision,
 * comment, source, current_approvals, approved_content_sha256), plus `reason: 'expired'` so a
 * receiver tells the automatic decision apart. Written through appendEvent like every other event,
 * so delivery fans it out like any other decision.
 */
async function recordOutcome(tx: Queryable, a: ApprovalRow, to: Outcome): Promise<void> {
  const expiresAt = a.expires_at!.toISOString();
  const data: Record<string, unknown> =
    to === 'expired'
      ? { expires_at: expiresAt }
      : {
          decision: to === 'approved' ? 'approve' : 'reject',
          comment: AUTO_DECISION_COMMENT[to === 'approved' ? 'approve' : 'reject'],
          source: null,
          current_approvals: a.current_approvals,
          reason: 'expired',
          expires_at: expiresAt,
          approved_content_sha256: contentSha256(a),
        };
  await appendEvent(tx, { orgId: a.org_id, approvalId: a.id, type: EVENT_OF[to], actor: SYSTEM_ACTOR, from: 'pending', to, data });
}

/** One batch in one transaction: claim, apply the policy, append the events. */
async function sweepBatch(db: Database): Promise<{ claimed: number; swept: number }> {
  return db.transaction(async (tx) => {
    const { rows: due } = await tx.query<ApprovalRow>(CLAIM_SQL, [EXPIRY_BATCH_SIZE]);
    if (due.length === 0) return { claimed: 0, swept: 0 };
    const { rows: applied } = await tx.query<{ id: string; status: Outcome }>(APPLY_SQL, [
      due.map((a) => a.id),
      AUTO_DECISION_COMMENT.approve,
      AUTO_DECISION_COMMENT.reject,
    ]);
    const outcome = new Map(applied.map((r) => [r.id, r.status]));
    for (const a of due) {
      const to = outcome.get(a.id);
      if (to) await recordOutcome(tx, a, to);
    }
    return { claimed: due.length, swept: applied.length };
  });
}

/** Sweeps every due request, batch after batch; returns how many it expired or decided. */
export async function expireDue(db: Database): Promise<number> {
  let total = 0;
  for (;;) {
    const { claimed, swept } = await sweepBatch(db);
    total += swept;
    if (claimed < EXPIRY_BATCH_SIZE) return total;
  }
}
