/**
 * Webhooks: a request's own `callback_url` and the org's subscriptions (REST hooks), both in the
 * Standard Webhooks format (signer.ts), through the SSRF-guarded sender (http-sender.ts, ssrf.ts).
 * Rows are queued with their event by the fan-out (storage/functions/events_fan_out.sql), the callback
 * only for the contract's CALLBACK_EVENT_TYPES.
 *
 * - The body is the event and the request as it is at the first attempt (payload.ts), kept so that
 *   every retry sends the same bytes. The request's own callback gets it in full; a subscription is
 *   anyone's, so fields marked sensitive are masked (core/approval-view.ts).
 * - Signed with the org's callback secret (created on first use) or the subscription's, each with
 *   the previous secret too during a rotation. A subscription deleted or disabled meanwhile: nothing is sent.
 * - 2xx delivered; 410 gone (a subscription is removed: Zapier's REST hooks contract); anything else is
 *   retried on the outbox's schedule, or later when the receiver's Retry-After asks.
 * - Retries exhausted: the subscription is disabled (its queued rows fail with it). The decision's own
 *   callback answered 404 or 410: nobody waits at its address, and the request says so (core/approvals/waiter.ts).
 */
import { z } from 'zod';
import type { WebhookPayload } from '@greenlight/contract';
import type { Queryable } from '../../storage/database.ts';
import { APPROVAL_COLUMNS, toApproval, type ApprovalRow } from '../../core/approval-record.ts';
import { EVENT_COLUMNS, type EventRow } from '../../core/events.ts';
import { forViewer } from '../../core/approval-view.ts';
import { recordAudit, type AuditActor } from '../../core/audit.ts';
import { markWaiterGone } from '../../core/approvals/index.ts';
import { secretKeys } from '../../security/sealed.ts';
import type { Answer, Channel, ChannelSpec, Message, Outcome } from '../../delivery/outbox/channel.ts';
import { closeQueued } from '../../delivery/outbox/outbox.ts';
import { toWebhookPayload } from './payload.ts';
import { signatureHeader, takeSealedNewSecret } from './signer.ts';
import type { AttemptResult, Sender } from './http-sender.ts';

export const WEBHOOK = {
  name: 'webhook',
  kinds: {
    /** The request's callback_url, with the request's callback headers (sealed at rest). */
    callback: { payload: z.object({ url: z.string() }), sealed: z.record(z.string(), z.string()) },
    subscription: { payload: z.object({ url: z.string(), subscription_id: z.uuid() }) },
  },
} as const satisfies ChannelSpec;

type Kinds = typeof WEBHOOK.kinds;
type WebhookMessage = Message<Kinds>;

const DELIVERY_ACTOR: AuditActor = { type: 'system', name: 'delivery' };

/** What a webhook's body is built from: its event, and the request as it is when the body is first built. */
export interface BodySource {
  event: EventRow;
  approval: WebhookPayload['data']['approval'];
}

/**
 * What the claimer already read in the statement that claimed a callback (a decision, see
 * modules/approvals/decide-approval.ts), so the attempt does not read it again.
 */
export interface Preloaded {
  /** The org's signing secrets, current first; null when it had none (read or made as a retry's are). */
  secrets: string[] | null;
  body: BodySource;
}

/**
 * The event and its request, read for a message's first attempt. Every statement of an attempt is
 * prepared on its connection: planning the request's read alone took longer than running it.
 */
async function bodySource(db: Queryable, eventId: string | null): Promise<BodySource> {
  const { rows: events } = await db.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events e WHERE e.id = $1`, [eventId], { prepare: 'webhook_body_event' });
  const event = events[0]!;
  let approval: WebhookPayload['data']['approval'] = null;
  if (event.approval_id) {
    const { rows } = await db.query<ApprovalRow>(`SELECT ${APPROVAL_COLUMNS} FROM approvals a WHERE a.id = $1`, [event.approval_id], { prepare: 'webhook_body_approval' });
    if (rows[0]) approval = toApproval(rows[0]);
  }
  return { event, approval };
}

/**
 * The org's callback secret, created on first use, opened (it is sealed at rest). Read first: a
 * secret is made and sealed only for an org that has none, not on every attempt. Two processes
 * creating it at once: the loser's INSERT does nothing, and the row of the winner is read back.
 */
export async function callbackSecrets(db: Queryable, orgId: string): Promise<{ secret: string; previous: string | null; previous_expires_at: Date | null; rotated_at: Date | null }> {
  for (;;) {
    const { rows } = await db.query<{ secret: string; previous: string | null; previous_expires_at: Date | null; rotated_at: Date | null }>(
      `SELECT secret,
              CASE WHEN previous_secret_expires_at > now() THEN previous_secret END AS previous,
              CASE WHEN previous_secret_expires_at > now() THEN previous_secret_expires_at END AS previous_expires_at,
              rotated_at
         FROM callback_secrets WHERE org_id = $1`,
      [orgId],
      { prepare: 'callback_secrets_read' },
    );
    const r = rows[0];
    if (r) return { ...r, secret: secretKeys().openKept(r.secret), previous: r.previous === null ? null : secretKeys().openKept(r.previous) };
    await db.query('INSERT INTO callback_secrets (org_id, secret) VALUES ($1, $2) ON CONFLICT (org_id) DO NOTHING', [orgId, takeSealedNewSecret()], {
      prepare: 'callback_secret_create',
    });
  }
}

/** The secrets to sign with, current first; or why the row must not be sent at all (its subscription was deleted or disabled meanwhile). */
async function signingState(db: Queryable, msg: WebhookMessage): Promise<{ secrets: string[] } | { skip: { status: 'gone' | 'failed'; reason: string } }> {
  if (msg.kind === 'callback') {
    const s = await callbackSecrets(db, msg.org_id);
    return { secrets: s.previous ? [s.secret, s.previous] : [s.secret] };
  }
  const { rows } = await db.query<{ status: string; secret: string; previous: string | null; disabled_reason: string | null }>(
    `SELECT status, secret, CASE WHEN previous_secret_expires_at > now() THEN previous_secret END AS previous, disabled_reason
       FROM webhook_subscriptions WHERE id = $1`,
    [msg.payload.subscription_id],
    { prepare: 'webhook_subscription_secrets' },
  );
  const s = rows[0];
  if (!s || s.status === 'deleted') return { skip: { status: 'gone', reason: 'subscription deleted' } };
  if (s.status === 'disabled') return { skip: { status: 'failed', reason: `subscription disabled: ${s.disabled_reason ?? 'retries exhausted'}` } };
  const keys = secretKeys();
  return { secrets: s.previous ? [keys.openKept(s.secret), keys.openKept(s.previous)] : [keys.openKept(s.secret)] };
}

const subscriptionOf = (msg: WebhookMessage): string | null => (msg.kind === 'subscription' ? msg.payload.subscription_id : null);

/**
 * What an attempt's outcome changes besides its row: a subscription whose target is gone ends, one
 * whose row failed for good is disabled, and a decision's callback answered 404 or 410 flags the
 * request's waiter as gone. Read by `settled`, which writes it, and by `settles`, so that an outcome
 * that changes nothing is recorded without a transaction.
 */
function settlementOf(
  msg: WebhookMessage,
  outcome: Outcome,
  answer: Pick<Answer, 'statusCode'>,
): { unsubscribe: string | null; disable: string | null; waiterGone: { approvalId: string; code: 404 | 410 } | null } {
  const subscription = subscriptionOf(msg);
  const code = answer.statusCode;
  return {
    unsubscribe: outcome.kind === 'gone' ? subscription : null,
    disable: outcome.kind === 'failed' ? subscription : null,
    waiterGone: msg.kind === 'callback' && msg.approval_id && (code === 404 || code === 410) ? { approvalId: msg.approval_id, code } : null,
  };
}

/** The subscription is removed, with its queued rows (the receiver answered 410). */
async function unsubscribe(tx: Queryable, orgId: string, subscriptionId: string): Promise<void> {
  const removed = await tx.query(`UPDATE webhook_subscriptions SET status = 'deleted', deleted_at = now(), updated_at = now() WHERE id = $1 AND status <> 'deleted'`, [
    subscriptionId,
  ]);
  if (removed.rowCount > 0) {
    await recordAudit(tx, { orgId, actor: DELIVERY_ACTOR, type: 'webhook.deleted', target: { type: 'subscription', id: subscriptionId }, details: { reason: 'the receiver answered 410' } });
  }
  await closeQueued(tx, WEBHOOK, 'subscription', { subscription_id: subscriptionId }, 'gone', 'subscription removed: the receiver answered 410');
}

/** Retries exhausted: the subscription is disabled, and its queued rows fail with it. */
async function disable(tx: Queryable, msg: WebhookMessage, subscriptionId: string, answer: AttemptResult): Promise<void> {
  const reason = `delivery ${msg.id} failed after ${msg.attempt} attempts: ${answer.error ?? `status ${answer.statusCode}`}`.slice(0, 500);
  const { rowCount } = await tx.query(
    `UPDATE webhook_subscriptions SET status = 'disabled', disabled_reason = $2, disabled_at = now(), updated_at = now() WHERE id = $1 AND status = 'active'`,
    [subscriptionId, reason],
  );
  if (rowCount === 0) return;
  await recordAudit(tx, { orgId: msg.org_id, actor: DELIVERY_ACTOR, type: 'webhook.disabled', target: { type: 'subscription', id: subscriptionId }, details: { reason } });
  await closeQueued(tx, WEBHOOK, 'subscription', { subscription_id: subscriptionId }, 'failed', 'subscription disabled');
}

/** The webhook channel, sending through `sender` (HTTP, SSRF-guarded, in production; recording in some tests). */
export function webhookChannel(deps: { sender: Sender }): Channel<Kinds, { secrets: string[]; body: string }, AttemptResult> {
  return {
    spec: WEBHOOK,

    async prepare(ctx, msg, hint) {
      const preloaded = hint as Preloaded | undefined;
      const signing = preloaded?.secrets ? { secrets: preloaded.secrets } : await signingState(ctx.db, msg);
      if ('skip' in signing) return { skip: signing.skip };
      // A retry sends the bytes the first attempt kept; the first attempt builds them and keeps them.
      if (msg.body !== null) return { send: { secrets: signing.secrets, body: msg.body } };
      const { event, approval } = preloaded?.body ?? (await bodySource(ctx.db, msg.event_id));
      const payload = toWebhookPayload(event, msg.kind === 'callback' || approval === null ? approval : forViewer(null, approval));
      const body = JSON.stringify(payload);
      return { send: { secrets: signing.secrets, body }, keep: body };
    },

    send(ctx, msg, prepared) {
      // What the outbox kept is sent: this attempt's bytes, or those of a claimer that raced it.
      const body = msg.body ?? prepared.body;
      const secrets = prepared.secrets;
      const timestamp = Math.floor(Date.now() / 1000);
      return deps.sender(
        {
          url: msg.payload.url,
          headers: {
            'content-type': 'application/json',
            'webhook-id': msg.id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signatureHeader(secrets, msg.id, timestamp, body),
            'greenlight-delivery-attempt': String(msg.attempt),
          },
          extraHeaders: msg.kind === 'callback' ? (msg.sealed ?? undefined) : undefined,
          body,
        },
        ctx.signal,
      );
    },

    meaning(answer) {
      const code = answer.statusCode;
      if (code !== null && code >= 200 && code < 300) return { kind: 'delivered' };
      if (code === 410) return { kind: 'gone' };
      return { kind: 'retry', notBeforeMs: answer.retryAfterMs };
    },

    settles(msg, outcome, answer) {
      const s = settlementOf(msg, outcome, answer);
      return s.unsubscribe !== null || s.disable !== null || s.waiterGone !== null;
    },

    async settled(tx, msg, outcome, answer) {
      const s = settlementOf(msg, outcome, answer);
      if (s.unsubscribe) await unsubscribe(tx, msg.org_id, s.unsubscribe);
      if (s.disable) await disable(tx, msg, s.disable, answer);
      // The decision's own callback found nobody at its address: the request says so, like a probe's verdict.
      if (s.waiterGone) {
        const { approvalId, code } = s.waiterGone;
        await markWaiterGone(tx, {
          approvalId,
          reason: `the callback target answered ${code} ${code === 410 ? 'Gone' : 'Not Found'} to the ${msg.event_type} callback`,
          since: answer.startedAt,
          statusCode: code,
          error: answer.error,
        });
      }
    },

    describe(msg) {
      return { target: msg.kind, url: msg.payload.url, subscription_id: subscriptionOf(msg) };
    },
  };
}
