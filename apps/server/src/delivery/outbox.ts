import type { WebhookPayload } from '@greenlight/contract';
import type { Database, Queryable } from '../storage/database.ts';
import { APPROVAL_COLUMNS, toApproval, type ApprovalRow } from '../core/approval-record.ts';
import { appendEvent, EVENT_COLUMNS, SYSTEM_ACTOR, type ClaimedDelivery, type EventRow } from '../core/events.ts';
import { toWebhookPayload } from './payload.ts';
import { generateSecret } from './signer.ts';
import { secretKeys } from '../security/sealed.ts';
import { recordAudit, type AuditActor } from '../core/audit.ts';
import { forViewer } from '../core/approval-view.ts';
import { markWaiterGone } from './waiter-probes.ts';

const DELIVERY_ACTOR: AuditActor = { type: 'system', name: 'delivery' };

/**
 * The outbox, from the claim of a row to the record of its attempts. Rows are created by the fan-out
 * (storage/functions/events_fan_out.sql) in the statement that inserts their event.
 *
 * Claiming: due rows are selected `FOR UPDATE SKIP LOCKED` and claimed by
 * greenlight_claim_deliveries (marked `delivering`, the attempt counted, a lease set), in one
 * statement. Two processes never claim the same row (the loser skips it, or re-checks it after the
 * winner commits and finds it no longer due), and the attempt number is fixed by the claim, so the
 * same attempt cannot be made twice. A process killed mid-attempt leaves its rows `delivering` with
 * `next_attempt_at` = the lease's end; they are claimed again then, under the next attempt number.
 * The result of an attempt is recorded only by the claimer that still holds the row (`attempts`
 * unchanged): a claimer whose lease ran out records its attempt but not the outcome. A final
 * decision's callback row is claimed by the decision's own statement, with the same function, for
 * the deciding process's first attempt. While an org's emergency stop is on, none of its rows is claimed.
 */

const CLAIM_SQL = `
SELECT d.id, d.attempts AS attempt, d.schedule_base, d.event_id::text AS event_id, d.org_id, d.approval_id, d.event_type,
       d.target, d.subscription_id, d.url, d.headers, d.body, d.recipient_user_id, d.message
  FROM greenlight_claim_deliveries(ARRAY(
         SELECT id FROM deliveries
          WHERE status IN ('pending', 'delivering') AND next_attempt_at <= now()
            AND NOT EXISTS (SELECT 1 FROM orgs o WHERE o.id = deliveries.org_id AND o.emergency_stop)
          ORDER BY next_attempt_at
          LIMIT $1
            FOR UPDATE SKIP LOCKED), $2::float8) AS d`;

/**
 * Claims up to `limit` due rows for `leaseMs`. Rows of an org whose emergency stop is on are held, not
 * dropped: they stay due and are claimed once the stop ends (their schedule is not advanced). A row
 * claimed before the stop committed is given back by heldByStop, right before it would be sent.
 */
export async function claimDue(db: Queryable, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  const { rows } = await db.query<ClaimedDelivery>(CLAIM_SQL, [limit, leaseMs]);
  return rows;
}

/** What a delivery's body is built from: its event, and the request as it is when the body is first built. */
export interface BodySource {
  event: EventRow;
  approval: WebhookPayload['data']['approval'];
}

async function bodySource(db: Queryable, d: ClaimedDelivery): Promise<BodySource> {
  const { rows: events } = await db.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events e WHERE e.id = $1`, [d.event_id]);
  const event = events[0]!;
  let approval: WebhookPayload['data']['approval'] = null;
  if (event.approval_id) {
    const { rows } = await db.query<ApprovalRow>(`SELECT ${APPROVAL_COLUMNS} FROM approvals a WHERE a.id = $1`, [event.approval_id]);
    if (rows[0]) approval = toApproval(rows[0]);
  }
  return { event, approval };
}

/**
 * The body of a delivery, built at its first attempt and stored, so that retries send the same bytes
 * (COALESCE: if two claimers ever raced here, both send what was stored first).
 */
export async function bodyOf(db: Queryable, d: ClaimedDelivery, known?: BodySource): Promise<string> {
  if (d.body !== null) return d.body;
  const { event: e, approval } = known ?? (await bodySource(db, d));
  // The request's own callback gets it in full; a subscription is anyone's, so sensitive fields are masked.
  const payload = toWebhookPayload(e, d.target === 'callback' || approval === null ? approval : forViewer(null, approval));
  const { rows } = await db.query<{ body: string }>(
    'UPDATE deliveries SET body = COALESCE(body, $2) WHERE id = $1 RETURNING body',
    [d.id, JSON.stringify(payload)],
    { prepare: 'delivery_body' },
  );
  return rows[0]!.body;
}

export interface SigningState {
  /** Secrets to sign with, current first. Empty: do not send (see `skip`). */
  secrets: string[];
  /** Why the row must not be sent at all: its subscription was deleted or disabled meanwhile. */
  skip: { status: 'gone' | 'failed'; reason: string } | null;
}

/**
 * The org's callback secret, created on first use, opened (it is sealed at rest). Two processes
 * creating it at once: the loser's INSERT does nothing, and the row of the winner is read back.
 */
export async function callbackSecrets(db: Queryable, orgId: string): Promise<{ secret: string; previous: string | null; previous_expires_at: Date | null; rotated_at: Date | null }> {
  for (;;) {
    await db.query('INSERT INTO callback_secrets (org_id, secret) VALUES ($1, $2) ON CONFLICT (org_id) DO NOTHING', [orgId, secretKeys().seal(generateSecret())]);
    const { rows } = await db.query<{ secret: string; previous: string | null; previous_expires_at: Date | null; rotated_at: Date | null }>(
      `SELECT secret,
              CASE WHEN previous_secret_expires_at > now() THEN previous_secret END AS previous,
              CASE WHEN previous_secret_expires_at > now() THEN previous_secret_expires_at END AS previous_expires_at,
              rotated_at
         FROM callback_secrets WHERE org_id = $1`,
      [orgId],
    );
    const r = rows[0];
    if (r) return { ...r, secret: secretKeys().open(r.secret), previous: r.previous === null ? null : secretKeys().open(r.previous) };
  }
}

export async function signingState(db: Queryable, d: ClaimedDelivery): Promise<SigningState> {
  if (d.target === 'callback') {
    const s = await callbackSecrets(db, d.org_id);
    return { secrets: s.previous ? [s.secret, s.previous] : [s.secret], skip: null };
  }
  const { rows } = await db.query<{ status: string; secret: string; previous: string | null; disabled_reason: string | null }>(
    `SELECT status, secret, CASE WHEN previous_secret_expires_at > now() THEN previous_secret END AS previous, disabled_reason
       FROM webhook_subscriptions WHERE id = $1`,
    [d.subscription_id],
  );
  const s = rows[0];
  if (!s || s.status === 'deleted') return { secrets: [], skip: { status: 'gone', reason: 'subscription deleted' } };
  if (s.status === 'disabled') return { secrets: [], skip: { status: 'failed', reason: `subscription disabled: ${s.disabled_reason ?? 'retries exhausted'}` } };
  const keys = secretKeys();
  return { secrets: s.previous ? [keys.open(s.secret), keys.open(s.previous)] : [keys.open(s.secret)], skip: null };
}

/**
 * The emergency stop, read again right before sending: a row claimed before the stop committed is given
 * back (with its attempt number) and stays due, so it is claimed and sent once the stop ends. True when
 * it was held. What it does not cover: a stop that commits between this statement and the request
 * leaving the process (the time to open the connection) does not hold that one request.
 */
export async function heldByStop(db: Queryable, d: ClaimedDelivery): Promise<boolean> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE deliveries SET status = 'pending', attempts = attempts - 1, lease_until = NULL, next_attempt_at = now(), updated_at = now()
      WHERE id = $1 AND status = 'delivering' AND attempts = $2
        AND EXISTS (SELECT 1 FROM orgs WHERE id = $3 AND emergency_stop)
      RETURNING id`,
    [d.id, d.attempt, d.org_id],
  );
  return rows.length > 0;
}

/** Closes a claimed row without an attempt (its subscription went away); the claim's attempt number is given back. */
export async function settleWithoutAttempt(db: Queryable, d: ClaimedDelivery, status: 'gone' | 'failed', reason: string): Promise<void> {
  await db.query(
    `UPDATE deliveries SET status = $3, attempts = attempts - 1, last_error = $4, lease_until = NULL, updated_at = now()
      WHERE id = $1 AND status = 'delivering' AND attempts = $2`,
    [d.id, d.attempt, status, reason],
  );
}

export interface AttemptRecord {
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

export type Outcome =
  | { kind: 'delivered' }
  | { kind: 'gone' }
  | { kind: 'retry'; delayMs: number }
  | { kind: 'failed' };

/**
 * Records an attempt and its consequence in one transaction. Returns false when the claim had been
 * lost (lease ran out and another claimer took the row): the attempt is still logged, the outcome is not.
 */
export async function recordAttempt(
  db: Database,
  d: ClaimedDelivery,
  attempt: AttemptRecord,
  outcome: Outcome,
  worker: string,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO delivery_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error, worker)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [d.id, d.attempt, attempt.startedAt, attempt.durationMs, attempt.statusCode, attempt.error?.slice(0, 1000) ?? null, worker],
    );
    const status = outcome.kind === 'retry' ? 'pending' : outcome.kind;
    const { rows } = await tx.query<{ attempts: number; url: string }>(
      `UPDATE deliveries
          SET status = $3, last_status = $4, last_error = $5, lease_until = NULL, updated_at = now(),
              next_attempt_at = CASE WHEN $3 = 'pending' THEN now() + $6::float8 * interval '1 millisecond' ELSE next_attempt_at END,
              delivered_at = CASE WHEN $3 = 'delivered' THEN now() END
        WHERE id = $1 AND status = 'delivering' AND attempts = $2
        RETURNING attempts, url`,
      [d.id, d.attempt, status, attempt.statusCode, attempt.error?.slice(0, 1000) ?? null, outcome.kind === 'retry' ? outcome.delayMs : 0],
    );
    if (rows.length === 0) return false;

    if (outcome.kind === 'gone' && d.subscription_id) {
      // Zapier's REST hooks contract: 410 means "unsubscribe me". Rows still queued for it go too.
      const removed = await tx.query(
        `UPDATE webhook_subscriptions SET status = 'deleted', deleted_at = now(), updated_at = now()
          WHERE id = $1 AND status <> 'deleted'`,
        [d.subscription_id],
      );
      if (removed.rowCount > 0) {
        await recordAudit(tx, {
          orgId: d.org_id,
          actor: DELIVERY_ACTOR,
          type: 'webhook.deleted',
          target: { type: 'subscription', id: d.subscription_id },
          details: { reason: 'the receiver answered 410' },
        });
      }
      await tx.query(
        `UPDATE deliveries SET status = 'gone', last_error = 'subscription removed: the receiver answered 410', updated_at = now()
          WHERE subscription_id = $1 AND status = 'pending'`,
        [d.subscription_id],
      );
    }
    if (outcome.kind === 'failed') await recordFinalFailure(tx, d, attempt);
    // The decision's own callback found nobody at its address: the request says so, like a probe's verdict.
    if (d.target === 'callback' && d.approval_id && (attempt.statusCode === 404 || attempt.statusCode === 410)) {
      const code = attempt.statusCode;
      await markWaiterGone(tx, {
        approvalId: d.approval_id,
        reason: `the callback target answered ${code} ${code === 410 ? 'Gone' : 'Not Found'} to the ${d.event_type} callback`,
        since: attempt.startedAt,
        statusCode: code,
        error: attempt.error,
        tell: false,
      });
    }
    return true;
  });
}

/**
 * Retries exhausted: the subscription is disabled (its queued rows fail with it) and a
 * `delivery.failed` event tells the org, through the event log and any subscription to that type.
 */
async function recordFinalFailure(tx: Queryable, d: ClaimedDelivery, attempt: AttemptRecord): Promise<void> {
  if (d.subscription_id) {
    const reason = `delivery ${d.id} failed after ${d.attempt} attempts: ${attempt.error ?? `status ${attempt.statusCode}`}`.slice(0, 500);
    const { rowCount } = await tx.query(
      `UPDATE webhook_subscriptions SET status = 'disabled', disabled_reason = $2, disabled_at = now(), updated_at = now()
        WHERE id = $1 AND status = 'active'`,
      [d.subscription_id, reason],
    );
    if (rowCount === 0) return;
    await recordAudit(tx, { orgId: d.org_id, actor: DELIVERY_ACTOR, type: 'webhook.disabled', target: { type: 'subscription', id: d.subscription_id }, details: { reason } });
    await tx.query(
      `UPDATE deliveries SET status = 'failed', last_error = 'subscription disabled', updated_at = now()
        WHERE subscription_id = $1 AND status = 'pending'`,
      [d.subscription_id],
    );
  }
  await appendEvent(tx, {
    orgId: d.org_id,
    approvalId: null,
    type: 'delivery.failed',
    actor: SYSTEM_ACTOR,
    data: {
      delivery_id: d.id,
      event_id: d.event_id,
      event_type: d.event_type,
      target: d.target,
      subscription_id: d.subscription_id,
      url: d.url,
      attempts: d.attempt,
      last_status_code: attempt.statusCode,
      last_error: attempt.error,
    },
  });
}
