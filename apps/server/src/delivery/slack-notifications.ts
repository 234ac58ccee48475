/**
 * Slack notifications are outbox rows like email (storage/migrations/035_slack.sql): claimed, retried
 * on the same schedule, logged attempt by attempt, held by the emergency stop, taken up again after a
 * crash.
 *
 * - `slack` rows are queued by a `notify` row's expansion (delivery/notifications.ts), in its
 *   transaction: one for the channel the request goes to (core/slack.ts, slackChannelFor), and one
 *   per person asked when the org sends direct messages. An attempt posts the request with its
 *   buttons, then records the message (channel, ts) before the attempt itself. Found at a later
 *   attempt, that record means the message is already posted: it is not posted again. What it does
 *   not cover: a process killed between Slack accepting the message and the record committing posts
 *   it again at the next attempt (the copy has the same buttons, which decide the same request once).
 * - `slack_update` rows rewrite one posted message with the request's outcome and no buttons. They
 *   are queued with the event that ends the request, whatever ended it (events_fan_out.sql); a
 *   message recorded after that commit is given its row by its sender, which reads the request's
 *   status under a share lock: a decision either committed before (and is seen) or waits for the
 *   record (and its fan-out sees the message).
 */
import type { Database, Queryable } from '../storage/database.ts';
import type { ClaimedDelivery } from '../core/events.ts';
import { APPROVAL_COLUMNS, toApproval, type ApprovalRow } from '../core/approval-record.ts';
import { forViewer, type Viewer } from '../core/approval-view.ts';
import { closedOf, FINAL_EVENTS } from '../core/approval-outcome.ts';
import { slackAppOf, slackChannelFor } from '../core/slack.ts';
import type { Asked } from '../core/who-is-asked.ts';
import { channelsFor, preferencesOf } from '../core/notification-channels.ts';
import { DELIVERIES_CHANNEL } from '../events/event-bus.ts';
import { heldByStop, recordAttempt, settleWithoutAttempt, type Outcome } from './outbox.ts';
import { delayBefore, MAX_RETRY_AFTER_MS, type Schedule } from './schedule.ts';
import { callSlack, slackClient, type SlackCallResult, type SlackConnection } from './slack-client.ts';
import { approvalMessage } from './slack-messages.ts';

export interface SlackRuntime {
  db: Database;
  publicUrl: string;
  schedule: Schedule;
  worker: string;
  slack: SlackConnection;
}

const CHANNEL_PREFIX = 'slack:channel:';
const DM_PREFIX = 'slack:dm:';
const MESSAGE_PREFIX = 'slack-message:';

/**
 * Queues the Slack posts of a `notify` row, in its transaction: the request's channel, and each person
 * asked when the org sends direct messages. A request reaches a channel or a person once (a unique
 * index), so a later `notify` row only reaches those not told before. Returns the number queued.
 */
export async function queueSlackPosts(tx: Queryable, d: ClaimedDelivery, asked: Asked[]): Promise<number> {
  if (!d.approval_id) return 0;
  const { rows } = await tx.query<{ dm_approvers: boolean }>('SELECT dm_approvers FROM slack_settings WHERE org_id = $1', [d.org_id]);
  const settings = rows[0];
  if (!settings) return 0;
  const channel = await slackChannelFor(tx, d.approval_id);
  // A direct message follows the person's preferences (core/notification-channels.ts), as their email does:
  // none for someone who chose email or the digest only, and sent when their quiet hours end.
  const now = new Date();
  const prefs = settings.dm_approvers && asked.length > 0 ? await preferencesOf(tx, d.org_id, asked.map((a) => a.userId)) : new Map();
  const dms = asked.flatMap((a) => {
    const at = prefs.has(a.userId) ? channelsFor(prefs.get(a.userId)!, now).slack : undefined;
    return at ? [{ ...a, at }] : [];
  });
  const posts = [
    ...(channel ? [{ url: CHANNEL_PREFIX + channel, recipient: null, at: now }] : []),
    ...dms.map((a) => ({ url: DM_PREFIX + a.email, recipient: a.userId, at: a.at })),
  ];
  if (posts.length === 0) return 0;
  const { rowCount } = await tx.query(
    `INSERT INTO deliveries (event_id, org_id, approval_id, event_type, target, url, recipient_user_id, next_attempt_at)
     SELECT $1, $2, $3, $4, 'slack', u.url, u.recipient, u.at
       FROM unnest($5::text[], $6::uuid[], $7::timestamptz[]) AS u (url, recipient, at)
     ON CONFLICT (approval_id, url) WHERE target = 'slack' DO NOTHING`,
    [d.event_id, d.org_id, d.approval_id, d.event_type, posts.map((p) => p.url), posts.map((p) => p.recipient), posts.map((p) => p.at.toISOString())],
  );
  return rowCount;
}

/** Delivered; refused for good; else the schedule's next step (or Retry-After, if later), or failed when none is left. */
function slackOutcome(result: SlackCallResult<unknown>, d: Pick<ClaimedDelivery, 'attempt' | 'schedule_base'>, schedule: Schedule): Outcome {
  if (result.error === null) return { kind: 'delivered' };
  if (result.permanent) return { kind: 'failed' };
  const delay = delayBefore(schedule, d.attempt - d.schedule_base + 1);
  if (delay === null) return { kind: 'failed' };
  return { kind: 'retry', delayMs: Math.max(delay, Math.min(result.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS)) };
}

async function finish(rt: SlackRuntime, d: ClaimedDelivery, result: SlackCallResult<unknown>): Promise<Outcome | null> {
  const outcome = slackOutcome(result, d, rt.schedule);
  const kept = await recordAttempt(rt.db, d, result, outcome, rt.worker);
  return kept ? outcome : null;
}

/**
 * Who a message shows the request to: a person (their role and permission to see sensitive fields,
 * exactly as their email and the dashboard), or anyone in a channel (sensitive fields masked, as for a
 * subscription). Null `member`: the person is no longer an approver or admin of the org.
 */
async function viewerOf(db: Queryable, orgId: string, userId: string | null): Promise<{ viewer: Viewer | null; member: boolean }> {
  if (userId === null) return { viewer: null, member: true };
  const { rows } = await db.query<{ role: 'admin' | 'approver'; see_sensitive: boolean }>(
    'SELECT role, see_sensitive FROM memberships WHERE org_id = $1 AND user_id = $2 AND role IN ($3, $4)',
    [orgId, userId, 'approver', 'admin'],
  );
  return rows[0] ? { viewer: { principal: { type: 'user', id: userId }, user: rows[0] }, member: true } : { viewer: null, member: false };
}

async function requestOf(db: Queryable, approvalId: string): Promise<(ApprovalRow & { org_name: string }) | null> {
  const { rows } = await db.query<ApprovalRow & { org_name: string }>(
    `SELECT ${APPROVAL_COLUMNS}, o.name AS org_name FROM approvals a JOIN orgs o ON o.id = a.org_id WHERE a.id = $1`,
    [approvalId],
  );
  return rows[0] ?? null;
}

/**
 * Records a posted message; when the request has ended meanwhile, queues its update too. The share
 * lock on the request orders this against the transition that ends it (see the module comment).
 */
async function recordMessage(rt: SlackRuntime, d: ClaimedDelivery, posted: { channel: string; ts: string }): Promise<void> {
  await rt.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO slack_messages (org_id, approval_id, delivery_id, recipient_user_id, channel, ts)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (delivery_id) DO NOTHING RETURNING id`,
      [d.org_id, d.approval_id, d.id, d.recipient_user_id, posted.channel, posted.ts],
    );
    const message = rows[0];
    if (!message) return;
    const { rows: status } = await tx.query<{ status: string }>('SELECT status FROM approvals WHERE id = $1 FOR SHARE', [d.approval_id]);
    if (status[0]?.status === 'pending') return;
    const { rowCount } = await tx.query(
      `INSERT INTO deliveries (event_id, org_id, approval_id, event_type, target, url)
       SELECT e.id, e.org_id, e.approval_id, e.type, 'slack_update', $2
         FROM events e WHERE e.approval_id = $1 AND e.type = ANY ($3::text[])
        ORDER BY e.id DESC LIMIT 1
       ON CONFLICT (url) WHERE target = 'slack_update' DO NOTHING`,
      [d.approval_id, MESSAGE_PREFIX + message.id, FINAL_EVENTS],
    );
    if (rowCount > 0) tx.notify(DELIVERIES_CHANNEL, `slack-update:${message.id}`);
  });
}

/** One attempt of a `slack` row: post the request (or skip it), record the message, record the attempt. */
export async function postSlackMessage(rt: SlackRuntime, d: ClaimedDelivery): Promise<Outcome | null> {
  if (await heldByStop(rt.db, d)) return null;
  const app = await slackAppOf(rt.db, d.org_id);
  if (!app) {
    await settleWithoutAttempt(rt.db, d, 'gone', 'Slack is not configured for the organization');
    return null;
  }
  const { rows: posted } = await rt.db.query<{ channel: string }>('SELECT channel FROM slack_messages WHERE delivery_id = $1', [d.id]);
  if (posted[0]) {
    // Posted by an attempt that was cut off before it was recorded: done, not posted again.
    const now = new Date();
    return finish(rt, d, { startedAt: now, durationMs: 0, statusCode: 200, error: null, value: null, slackError: null, permanent: false, retryAfterMs: null });
  }
  const a = d.approval_id ? await requestOf(rt.db, d.approval_id) : null;
  if (!a) {
    await settleWithoutAttempt(rt.db, d, 'gone', 'request removed');
    return null;
  }
  if (a.status !== 'pending') {
    await settleWithoutAttempt(rt.db, d, 'gone', `request already ${a.status}`);
    return null;
  }
  const { viewer, member } = await viewerOf(rt.db, a.org_id, d.recipient_user_id);
  if (!member) {
    await settleWithoutAttempt(rt.db, d, 'gone', 'recipient is no longer an approver of the org');
    return null;
  }
  const shown = forViewer(viewer, toApproval(a));
  const message = approvalMessage({ approval: { ...a, changes: shown.changes }, orgName: a.org_name, openUrl: `${rt.publicUrl}/requests/${a.id}` });
  const client = slackClient(app.botToken, rt.slack);

  let channel: string;
  if (d.url.startsWith(DM_PREFIX)) {
    // A direct message goes to the person's Slack user id, found by the email address Greenlight has.
    const found = await callSlack(() => client.users.lookupByEmail({ email: d.url.slice(DM_PREFIX.length) }));
    if (found.slackError === 'users_not_found') {
      // Not in the workspace (under this address): nobody to message, which is not a failure to report.
      const kept = await recordAttempt(rt.db, d, found, { kind: 'gone' }, rt.worker);
      return kept ? { kind: 'gone' } : null;
    }
    if (found.error !== null || !found.value?.user?.id) {
      return finish(rt, d, found.error !== null ? found : { ...found, error: 'slack: no user id', permanent: true });
    }
    channel = found.value.user.id;
  } else {
    channel = d.url.slice(CHANNEL_PREFIX.length);
  }
  const result = await callSlack(() =>
    client.chat.postMessage({ channel, text: message.text, blocks: message.blocks as never, unfurl_links: false, unfurl_media: false }),
  );
  if (result.error === null && result.value?.channel && result.value.ts) {
    await recordMessage(rt, d, { channel: result.value.channel, ts: result.value.ts });
  }
  return finish(rt, d, result);
}

/** One attempt of a `slack_update` row: rewrite the message with the request's outcome, without buttons. */
export async function updateSlackMessage(rt: SlackRuntime, d: ClaimedDelivery): Promise<Outcome | null> {
  if (await heldByStop(rt.db, d)) return null;
  const { rows } = await rt.db.query<{ channel: string; ts: string; recipient_user_id: string | null; approval_id: string }>(
    'SELECT channel, ts, recipient_user_id, approval_id FROM slack_messages WHERE id = $1',
    [d.url.slice(MESSAGE_PREFIX.length)],
  );
  const posted = rows[0];
  const a = posted ? await requestOf(rt.db, posted.approval_id) : null;
  if (!posted || !a) {
    await settleWithoutAttempt(rt.db, d, 'gone', 'message or request removed');
    return null;
  }
  const app = await slackAppOf(rt.db, d.org_id);
  if (!app) {
    await settleWithoutAttempt(rt.db, d, 'gone', 'Slack is not configured for the organization');
    return null;
  }
  const { viewer } = await viewerOf(rt.db, a.org_id, posted.recipient_user_id);
  const shown = forViewer(viewer, toApproval(a));
  const message = approvalMessage({
    approval: { ...a, changes: shown.changes },
    orgName: a.org_name,
    openUrl: `${rt.publicUrl}/requests/${a.id}`,
    closed: await closedOf(rt.db, a),
  });
  const client = slackClient(app.botToken, rt.slack);
  const result = await callSlack(() => client.chat.update({ channel: posted.channel, ts: posted.ts, text: message.text, blocks: message.blocks as never }));
  return finish(rt, d, result);
}
