/**
 * Notifications are outbox rows like callbacks (storage/migrations/027_notifications.sql): claimed,
 * retried on the same schedule, logged attempt by attempt, held by the emergency stop, and taken up
 * again after a crash when their claim's lease ends.
 *
 * - A `notify` row is queued with the event that may change who is asked to decide a request (its
 *   creation, its steps configured or decided). Its attempt works out who is asked now
 *   (core/who-is-asked.ts) and queues one `email` row per person (with email on in this process) and
 *   the org's Slack posts (delivery/slack-notifications.ts) in one transaction, which also
 *   closes the `notify` row: killed before that commit, the whole attempt is made again. A person is
 *   emailed once per request (a unique index), so a later `notify` row only reaches people who were
 *   not asked before (a new step's approver). Each person's preferences decide whether and when
 *   (core/notification-channels.ts, via queue-emails.ts), and the steps that start waiting start
 *   their reminder and escalation timers (timers.ts) in the same transaction.
 * - The `notify` row of an execution receipt (`approval.execution_reported`) queues one
 *   `execution_receipt` email to each person who approved the request (core/who-is-asked.ts
 *   `whoApproved`), once per receipt and person (a unique index).
 * - An `approval.waiter_gone` event queues its `waiter_gone` emails itself (delivery/waiter-probes.ts).
 * - An `email` row is one message to one person. A request's message is not sent once the request
 *   has left `pending` (nothing to ask any more). Its decision links are made at its first attempt and
 *   kept (sealed), so a retry sends the same links; a message sent twice (an attempt cut off after
 *   the server accepted it) carries the same Message-ID and the same links, so the copy is harmless.
 */
import type { Database, Queryable } from '../storage/database.ts';
import type { ClaimedDelivery } from '../core/events.ts';
import { APPROVAL_COLUMNS, toApproval, type ApprovalRow } from '../core/approval-record.ts';
import { forViewer } from '../core/approval-view.ts';
import { whoApproved, whoIsAsked, type Asked } from '../core/who-is-asked.ts';
import { DELIVERIES_CHANNEL } from '../events/event-bus.ts';
import { secretKeys } from '../security/sealed.ts';
import { randomToken, sha256Hex } from '../security/tokens.ts';
import { heldByStop, recordAttempt, settleWithoutAttempt, type Outcome } from './outbox.ts';
import { delayBefore, type Schedule } from './schedule.ts';
import type { Mailer, EmailResult } from './email-sender.ts';
import { accountEmail, approvalRequestEmail, digestEmail, executionReceiptEmail, waiterGoneEmail, type RenderedEmail } from './email-messages.ts';
import { queueEmails } from './queue-emails.ts';
import { queueSlackPosts } from './slack-notifications.ts';
import { scheduleStepTimers } from './timers.ts';
import { approversToAsk } from '../core/approvers.ts';

/** What a notification attempt needs beyond the outbox: the mailer (absent: email is off here) and the URL links point at. */
export interface NotificationRuntime {
  db: Database;
  mailer?: Mailer;
  publicUrl: string;
  schedule: Schedule;
  worker: string;
}

/** A decision link lives as long as its request, and at most this long. */
export const DECISION_LINK_MAX_MS = 7 * 24 * 3600 * 1000;

/**
 * Appended to a sign-in link sent by email (modules/sessions/pages.ts): its GET only asks to continue,
 * so a mail scanner fetching it does not spend it. An invitation's own page is already safe to fetch.
 */
export const EMAILED_SIGN_IN_SUFFIX = '/continue';

/** The path of a decision link's page (modules/decision-links/); the token follows it. */
export const DECISION_LINK_PATH = '/decide';

/** Works out who is asked now and queues their emails and Slack posts; closes the `notify` row. Null when the claim was lost. */
export async function expandNotification(rt: NotificationRuntime, d: ClaimedDelivery): Promise<Outcome | null> {
  const startedAt = new Date();
  const t0 = performance.now();
  return rt.db.transaction(async (tx) => {
    const { rows: held } = await tx.query('SELECT 1 FROM deliveries WHERE id = $1 AND status = $2 AND attempts = $3 FOR UPDATE', [d.id, 'delivering', d.attempt]);
    if (held.length === 0) return null;
    // Email only where this process sends it: a `notify` row may be queued for Slack alone.
    let emails = 0;
    let posts = 0;
    if (d.event_type === 'approval.execution_reported') {
      const told: Asked[] = d.approval_id && rt.mailer ? await whoApproved(tx, d.approval_id) : [];
      ({ rowCount: emails } = await tx.query(
        `INSERT INTO deliveries (event_id, org_id, approval_id, event_type, target, url, recipient_user_id, message)
         SELECT $1, $2, $3, $4, 'email', 'mailto:' || u.email, u.id, 'execution_receipt'
           FROM unnest($5::uuid[], $6::text[]) AS u (id, email)
         ON CONFLICT (event_id, recipient_user_id) WHERE message = 'execution_receipt' DO NOTHING`,
        [d.event_id, d.org_id, d.approval_id, d.event_type, told.map((a) => a.userId), told.map((a) => a.email)],
      ));
    } else {
      const asked = d.approval_id ? await whoIsAsked(tx, d.approval_id) : [];
      emails =
        d.approval_id && rt.mailer
          ? await queueEmails(tx, { orgId: d.org_id, approvalId: d.approval_id, eventId: d.event_id, eventType: d.event_type, message: 'approval_request', people: asked })
          : 0;
      posts = await queueSlackPosts(tx, d, asked);
      // The steps that start waiting now start their reminder and escalation clocks.
      if (d.approval_id) await scheduleStepTimers(tx, d.approval_id);
    }
    const rowCount = emails + posts;
    await tx.query(
      `INSERT INTO delivery_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error, worker)
       VALUES ($1, $2, $3, $4, NULL, NULL, $5) ON CONFLICT DO NOTHING`,
      [d.id, d.attempt, startedAt, Math.round(performance.now() - t0), rt.worker],
    );
    await tx.query(
      `UPDATE deliveries SET status = 'delivered', delivered_at = now(), lease_until = NULL, updated_at = now(),
              last_error = $2
        WHERE id = $1`,
      [d.id, `${emails} to email, ${posts} to Slack`],
    );
    if (rowCount > 0) tx.notify(DELIVERIES_CHANNEL, `notify:${d.id}`);
    return { kind: 'delivered' } as const;
  });
}

/** 2xx-like: accepted; 5xx: refused for good; else the schedule's next step, or failed when none is left. */
function emailOutcome(result: EmailResult, d: Pick<ClaimedDelivery, 'attempt' | 'schedule_base'>, schedule: Schedule): Outcome {
  if (result.error === null) return { kind: 'delivered' };
  if (result.permanent) return { kind: 'failed' };
  const delay = delayBefore(schedule, d.attempt - d.schedule_base + 1);
  return delay === null ? { kind: 'failed' } : { kind: 'retry', delayMs: delay };
}

interface Recipient {
  email: string;
  name: string | null;
}

/** The approve and reject links of one email, made once (two claimers racing: both read the first one's). */
async function decisionLinks(db: Queryable, d: ClaimedDelivery, a: ApprovalRow): Promise<{ approve: string; reject: string; expiresAt: Date }> {
  const cap = Date.now() + DECISION_LINK_MAX_MS;
  const expiresAt = new Date(a.expires_at ? Math.min(a.expires_at.getTime(), cap) : cap);
  const tokens = { approve: randomToken(), reject: randomToken() };
  await db.query(
    `INSERT INTO decision_links (token_hash, token_sealed, org_id, approval_id, user_id, decision, delivery_id, expires_at)
     SELECT u.hash, u.sealed, $1, $2, $3, u.decision, $4, $5
       FROM unnest($6::text[], $7::text[], $8::text[]) AS u (decision, hash, sealed)
     ON CONFLICT (delivery_id, decision) DO NOTHING`,
    [
      d.org_id,
      a.id,
      d.recipient_user_id,
      d.id,
      expiresAt,
      ['approve', 'reject'],
      [sha256Hex(tokens.approve), sha256Hex(tokens.reject)],
      [secretKeys().seal(tokens.approve), secretKeys().seal(tokens.reject)],
    ],
  );
  const { rows } = await db.query<{ decision: 'approve' | 'reject'; token_sealed: string; expires_at: Date }>(
    'SELECT decision, token_sealed, expires_at FROM decision_links WHERE delivery_id = $1',
    [d.id],
  );
  const token = (decision: 'approve' | 'reject') => secretKeys().open(rows.find((r) => r.decision === decision)!.token_sealed);
  return { approve: token('approve'), reject: token('reject'), expiresAt: rows[0]!.expires_at };
}

/** The message of an `email` row, addressed by sendEmail; or why there is none to send. */
type Built = { message: RenderedEmail } | { skip: string };

/** The request a message is about, with its org's name; undefined once it is removed. */
async function requestOf(db: Queryable, approvalId: string | null): Promise<(ApprovalRow & { org_name: string }) | undefined> {
  const { rows } = await db.query<ApprovalRow & { org_name: string }>(
    `SELECT ${APPROVAL_COLUMNS}, o.name AS org_name FROM approvals a JOIN orgs o ON o.id = a.org_id WHERE a.id = $1`,
    [approvalId],
  );
  return rows[0];
}

async function buildApprovalRequest(rt: NotificationRuntime, d: ClaimedDelivery): Promise<Built> {
  const a = await requestOf(rt.db, d.approval_id);
  if (!a) return { skip: 'request removed' };
  if (a.status !== 'pending') return { skip: `request already ${a.status}` };
  // Removed from the org, or made a viewer, since they were asked: nothing to ask them any more.
  const { rows: member } = await rt.db.query<{ role: 'admin' | 'approver'; see_sensitive: boolean }>(
    'SELECT role, see_sensitive FROM memberships WHERE org_id = $1 AND user_id = $2 AND role IN ($3, $4)',
    [a.org_id, d.recipient_user_id, 'approver', 'admin'],
  );
  if (member.length === 0) return { skip: 'recipient is no longer an approver of the org' };
  // The message shows the request as its recipient may see it: fields marked sensitive are masked
  // for a reviewer without `see_sensitive`, as on the page and in the API.
  const shown = forViewer({ principal: { type: 'user', id: d.recipient_user_id! }, user: member[0]! }, toApproval(a));
  const links = await decisionLinks(rt.db, d, a);
  const rendered = approvalRequestEmail({
    approval: { ...a, changes: shown.changes },
    orgName: a.org_name,
    links: {
      approve: `${rt.publicUrl}${DECISION_LINK_PATH}/${links.approve}`,
      reject: `${rt.publicUrl}${DECISION_LINK_PATH}/${links.reject}`,
      open: `${rt.publicUrl}/requests/${a.id}`,
    },
    linksExpireAt: links.expiresAt,
    reminder: d.message === 'reminder',
  });
  return { message: rendered };
}

/** What a receipt's event says (core/state-machine.ts `reportExecution`). */
interface ReceiptEvent {
  data: { status: 'started' | 'succeeded' | 'failed'; message: string | null; url: string | null };
  actor_name: string | null;
  created_at: Date;
}

/** The receipt as its event recorded it (a later receipt does not change what this message says). */
async function buildExecutionReceipt(rt: NotificationRuntime, d: ClaimedDelivery): Promise<Built> {
  const a = await requestOf(rt.db, d.approval_id);
  if (!a) return { skip: 'request removed' };
  const { rows: member } = await rt.db.query('SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2', [a.org_id, d.recipient_user_id]);
  if (member.length === 0) return { skip: 'recipient is no longer a member of the org' };
  const { rows: events } = await rt.db.query<ReceiptEvent>('SELECT data, actor_name, created_at FROM events WHERE id = $1', [d.event_id]);
  const e = events[0];
  if (!e) return { skip: 'receipt removed' };
  const rendered = executionReceiptEmail({
    approval: a,
    orgName: a.org_name,
    receipt: { ...e.data, reportedBy: e.actor_name, reportedAt: e.created_at },
    open: `${rt.publicUrl}/requests/${a.id}`,
  });
  return { message: rendered };
}

/**
 * Nobody waits for the answer of the recipient's request (delivery/waiter-probes.ts): why, since when,
 * and where to cancel it. Not sent once the request has left `pending` or its waiter came back.
 */
async function buildWaiterGone(rt: NotificationRuntime, d: ClaimedDelivery): Promise<Built> {
  const a = await requestOf(rt.db, d.approval_id);
  if (!a) return { skip: 'request removed' };
  if (a.status !== 'pending') return { skip: `request already ${a.status}` };
  if (a.waiter_state !== 'gone') return { skip: 'the waiter answers again' };
  const { rows: member } = await rt.db.query('SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2', [a.org_id, d.recipient_user_id]);
  if (member.length === 0) return { skip: 'recipient is no longer a member of the org' };
  return { message: waiterGoneEmail({ approval: a, orgName: a.org_name, reason: a.waiter_reason ?? 'nobody answers at its callback', since: a.waiter_since ?? new Date(), open: `${rt.publicUrl}/requests/${a.id}` }) };
}

/** What an account email's row carries, sealed: the sign-in token and when it expires. */
interface AccountPayload {
  token: string;
  expires_at: string;
}

async function buildAccountEmail(rt: NotificationRuntime, d: ClaimedDelivery): Promise<Built> {
  const payload = JSON.parse(secretKeys().open(d.headers as string)) as AccountPayload;
  const expiresAt = new Date(payload.expires_at);
  if (expiresAt.getTime() <= Date.now()) return { skip: 'the link expired before it could be sent' };
  const { rows } = await rt.db.query<{ name: string }>('SELECT name FROM orgs WHERE id = $1', [d.org_id]);
  const rendered = accountEmail({
    kind: d.message === 'invitation' ? 'invitation' : 'sign_in_link',
    orgName: rows[0]?.name ?? 'Greenlight',
    link: `${rt.publicUrl}/sign-in/${payload.token}${d.message === 'invitation' ? '' : EMAILED_SIGN_IN_SUFFIX}`,
    expiresAt,
  });
  return { message: rendered };
}

/** The most requests a digest lists; it says how many more wait. */
export const DIGEST_MAX_ITEMS = 50;
/** Pending requests of the org a digest looks through, oldest first. */
const DIGEST_SCAN = 500;

/** What waits for the recipient now, read when the digest is sent; nothing waiting: nothing sent. */
async function buildDigest(rt: NotificationRuntime, d: ClaimedDelivery): Promise<Built> {
  const { rows: member } = await rt.db.query<{ org_name: string }>(
    `SELECT o.name AS org_name FROM memberships m JOIN orgs o ON o.id = m.org_id WHERE m.org_id = $1 AND m.user_id = $2 AND m.role IN ('approver', 'admin')`,
    [d.org_id, d.recipient_user_id],
  );
  if (member.length === 0) return { skip: 'recipient is no longer an approver of the org' };
  const { rows: pending } = await rt.db.query<{ id: string; title: string; priority: string; requested_by_name: string | null; created_at: Date; expires_at: Date | null }>(
    `SELECT id, title, priority, requested_by_name, created_at, expires_at FROM approvals
      WHERE org_id = $1 AND status = 'pending' AND (expires_at IS NULL OR expires_at > now()) ORDER BY created_at LIMIT $2`,
    [d.org_id, DIGEST_SCAN],
  );
  const waiting: typeof pending = [];
  for (const a of pending) if ((await approversToAsk(rt.db, a.id)).includes(d.recipient_user_id!)) waiting.push(a);
  if (waiting.length === 0) return { skip: 'nothing waits for the recipient' };
  const rendered = digestEmail({
    orgName: member[0]!.org_name,
    items: waiting.slice(0, DIGEST_MAX_ITEMS).map((a) => ({ ...a, url: `${rt.publicUrl}/requests/${a.id}` })),
    total: waiting.length,
    inboxUrl: `${rt.publicUrl}/`,
  });
  return { message: rendered };
}

/** One attempt of an `email` row: build (or skip) the message, send it, record the attempt. */
export async function sendEmail(rt: NotificationRuntime, d: ClaimedDelivery): Promise<Outcome | null> {
  if (await heldByStop(rt.db, d)) return null;
  const { rows: people } = await rt.db.query<Recipient>('SELECT email, name FROM users WHERE id = $1', [d.recipient_user_id]);
  const to = people[0];
  if (!to) {
    await settleWithoutAttempt(rt.db, d, 'gone', 'recipient removed');
    return null;
  }
  let result: EmailResult;
  if (!rt.mailer) {
    // Queued by a process with email configured; this one has none (replicas should share settings).
    result = { startedAt: new Date(), durationMs: 0, statusCode: null, error: 'email is not configured on this server', permanent: false };
  } else {
    const built =
      d.message === 'approval_request' || d.message === 'reminder'
        ? await buildApprovalRequest(rt, d)
        : d.message === 'digest'
          ? await buildDigest(rt, d)
          : d.message === 'execution_receipt'
            ? await buildExecutionReceipt(rt, d)
            : d.message === 'waiter_gone'
              ? await buildWaiterGone(rt, d)
              : await buildAccountEmail(rt, d);
    if ('skip' in built) {
      await settleWithoutAttempt(rt.db, d, 'gone', built.skip);
      return null;
    }
    result = await rt.mailer.send({ ...built.message, to: to.email, messageId: `<${d.id}@greenlight>` });
  }
  const outcome = emailOutcome(result, d, rt.schedule);
  const kept = await recordAttempt(rt.db, d, result, outcome, rt.worker);
  return kept ? outcome : null;
}

/**
 * Queues an account email (a sign-in link or an invitation) in the caller's transaction, so that it
 * is sent exactly when the link it carries exists. The token is sealed until the message is sent.
 */
export async function queueAccountEmail(
  tx: Queryable,
  input: { orgId: string; userId: string; email: string; kind: 'sign_in_link' | 'invitation'; token: string; expiresAt: Date },
): Promise<void> {
  const payload: AccountPayload = { token: input.token, expires_at: input.expiresAt.toISOString() };
  await tx.query(
    `INSERT INTO deliveries (event_id, org_id, approval_id, event_type, target, url, recipient_user_id, message, headers)
     VALUES (NULL, $1, NULL, $2, 'email', $3, $4, $2, to_jsonb($5::text))`,
    [input.orgId, input.kind, `mailto:${input.email}`, input.userId, secretKeys().seal(JSON.stringify(payload))],
  );
  tx.notify(DELIVERIES_CHANNEL, `account-email:${input.userId}`);
}
