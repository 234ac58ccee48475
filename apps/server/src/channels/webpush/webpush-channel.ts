/**
 * Web Push: each request a person is asked to decide (and its reminders) goes to every device they
 * subscribed in the org (modules/webpush), as a push message encrypted for that device (RFC 8291,
 * aes128gcm) and sent with the server's VAPID token (RFC 8292), both made by `web-push`'s
 * generateRequestDetails. The dashboard's service worker shows it with Approve / Reject actions where
 * the platform shows actions, and a tap opens the request's page. People are told through it by
 * notify/, by their preferences (`webpush`).
 *
 * - One row per device (payload: the subscription), so each device's push service answers for itself.
 * - The actions carry decision links of channel `webpush` (modules/decision-links): single-use, bound
 *   to one request, one person and one decision, expiring with the request; made at the first
 *   attempt and kept, so a retry carries the same tokens. What the person may do is read as it is
 *   sent (viewer_can): no action they could not take.
 * - The message leaves through the SSRF-guarded sender of the webhooks (an endpoint is a URL a
 *   browser gave, so it is checked like any other), not through web-push's own HTTPS client.
 * - 404 and 410 from the push service (RFC 8030 §7.3: the subscription expired or was withdrawn)
 *   remove the subscription; 429 and 5xx are retried (after its Retry-After); other 4xx fail the row.
 */
import { z } from 'zod';
import { peopleChannel, personNoteKey, type Channel, type ChannelSpec, type Message, type Notification, type Recipient } from '../../delivery/outbox/channel.ts';
import { enqueue } from '../../delivery/outbox/outbox.ts';
import { issueDecisionLinks } from '../decision-link-tokens.ts';
import type { Queryable } from '../../storage/database.ts';
import type { AttemptResult, Sender } from '../webhook/http-sender.ts';
import { askedCan, endedMessage, noteKinds, personNoteFor, type RequestShown } from '../notification-content.ts';
import { recordSentMessage, wasSent } from '../../delivery/outbox/sent-messages.ts';
import { vapidKeys, vapidSubject, webPush } from './vapid.ts';
import { answerNeededLine, needsAnswer } from '../chat-answers.ts';
import { cannotDecide } from '../chat-words.ts';
import { notePayload, pushPayload, type PushPayload } from './webpush-payload.ts';

const ToDevice = z.object({ subscription_id: z.uuid() });

export const WEBPUSH = {
  name: 'webpush',
  // Each row to one device; a decision_update shows how a pushed request ended in place of its notification there.
  kinds: noteKinds(ToDevice),
} as const satisfies ChannelSpec;

type Kinds = typeof WEBPUSH.kinds;
type WebPushRow = Message<Kinds>;

/** How long a push service keeps a message for a device that is offline: until the request expires, at most a day. */
const MAX_TTL_S = 24 * 3600;

interface Outgoing {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

interface Device {
  endpoint: string;
  p256dh: string;
  auth: string;
}

async function deviceOf(db: Queryable, orgId: string, subscriptionId: string, userId: string | null): Promise<Device | null> {
  const { rows } = await db.query<Device>('SELECT endpoint, p256dh, auth FROM webpush_subscriptions WHERE id = $1 AND org_id = $2 AND user_id = $3', [
    subscriptionId,
    orgId,
    userId,
  ]);
  return rows[0] ?? null;
}

/** The device a sent message went to, and how its request ended: what a `decision_update` row pushes. */
async function decidedFor(db: Queryable, row: Extract<WebPushRow, { kind: 'decision_update' }>): Promise<{ device: Device; payload: PushPayload; approval: RequestShown } | { skip: string }> {
  const ended = await endedMessage<{ subscription_id: string }>(db, row.payload.message_id);
  if ('skip' in ended) return ended;
  if (!ended.closed) return { skip: 'the request is still pending' };
  const { rows } = await db.query<{ user_id: string }>('SELECT recipient_user_id AS user_id FROM sent_messages WHERE id = $1', [row.payload.message_id]);
  const device = await deviceOf(db, row.org_id, ended.address.subscription_id, rows[0]?.user_id ?? null);
  if (!device) return { skip: 'the device was unsubscribed' };
  return { device, approval: ended.request, payload: notePayload({ kind: 'decided', approval: ended.request, closed: ended.closed }) };
}

/** What a row to one person pushes to one device: the request with the actions the rules allow them, or a note. */
async function personPush(db: Queryable, publicUrl: string, row: Exclude<WebPushRow, { kind: 'decision_update' }>): Promise<{ device: Device; payload: PushPayload; approval: RequestShown | null } | { skip: string }> {
  const device = await deviceOf(db, row.org_id, row.payload.subscription_id, row.recipient_user_id);
  if (!device) return { skip: 'the device was unsubscribed' };
  const note = await personNoteFor(db, publicUrl, row);
  if ('skip' in note) return note;
  if (note.kind !== 'ask') return { device, approval: note.kind === 'digest' ? null : note.request, payload: notePayload(note) };
  const a = note.request;
  const can = await askedCan(db, note);
  if ('skip' in can) return can;
  let tokens: { approve: string | null; reject: string | null } | null = null;
  let refusal: string | null = null;
  if (can.decide.allowed) {
    const links = await issueDecisionLinks(db, row, a.id, 'webpush');
    if (links === null) return { skip: 'request removed' };
    const approveAllowed = can.decide.approve?.allowed !== false;
    // A request that needs an answer is approved on its page (a tap opens it): no Approve action.
    const answerNeeded = needsAnswer(a);
    tokens = { approve: approveAllowed && !answerNeeded ? links.approve : null, reject: links.reject };
    if (!approveAllowed) refusal = can.decide.approve?.reason ?? null;
    else if (answerNeeded) refusal = answerNeededLine(a);
  } else {
    refusal = cannotDecide(can.decide);
  }
  return { device, approval: a, payload: pushPayload({ kind: note.reminder ? 'reminder' : 'approval_request', approval: a, tokens, refusal }) };
}

const skip = (reason: string) => ({ skip: { status: 'gone' as const, reason } });

export interface WebPushChannelDeps {
  publicUrl: string;
  subject?: string | undefined;
  /** The SSRF-guarded HTTP sender of the webhooks. */
  sender: Sender;
}

export function webpushChannel(deps: WebPushChannelDeps): Channel<Kinds, Outgoing, AttemptResult> {
  const subject = vapidSubject({ GREENLIGHT_WEBPUSH_SUBJECT: deps.subject, publicUrl: deps.publicUrl });
  return {
    spec: WEBPUSH,

    async prepare(ctx, row) {
      const asks = row.kind === 'approval_request' || row.kind === 'reminder';
      if (asks && (await wasSent(ctx.db, row.id))) return { answered: { startedAt: new Date(), durationMs: 0, statusCode: 201, error: null, permanent: false, retryAfterMs: null } };
      const push = row.kind === 'decision_update' ? await decidedFor(ctx.db, row) : await personPush(ctx.db, deps.publicUrl, row);
      if ('skip' in push) return skip(push.skip);
      const { device, payload, approval: a } = push;
      const keys = await vapidKeys(ctx.db);
      const ttl = a?.expires_at ? Math.max(0, Math.min(MAX_TTL_S, Math.floor((a.expires_at.getTime() - Date.now()) / 1000))) : MAX_TTL_S;
      const details = (await webPush()).generateRequestDetails({ endpoint: device.endpoint, keys: { p256dh: device.p256dh, auth: device.auth } }, JSON.stringify(payload), {
        vapidDetails: { subject, publicKey: keys.publicKey, privateKey: keys.privateKey },
        TTL: ttl,
        urgency: 'high',
        // A reminder not yet delivered replaces the request's earlier message (RFC 8030 §5.4: 32 base64url characters at most).
        ...(payload.approval_id && asks ? { topic: payload.approval_id.replace(/-/g, '') } : {}),
        contentEncoding: 'aes128gcm',
      });
      const headers = Object.fromEntries(
        Object.entries(details.headers)
          .filter(([name]) => name.toLowerCase() !== 'content-length')
          .map(([name, value]) => [name.toLowerCase(), String(value)]),
      );
      return { send: { url: details.endpoint, headers, body: details.body ?? Buffer.alloc(0) } };
    },

    async send(ctx, row, message) {
      const result = await deps.sender({ url: message.url, headers: message.headers, body: message.body }, ctx.signal);
      // A request pushed to a device is recorded, so that its outcome replaces it there (and it is not pushed twice).
      // One record per request and device (the address is unique in its channel): a reminder is the same notification.
      const s = result.statusCode;
      if ((row.kind === 'approval_request' || row.kind === 'reminder') && s !== null && s >= 200 && s < 300) {
        await recordSentMessage(ctx.db, row, { subscription_id: row.payload.subscription_id, approval_id: row.approval_id });
      }
      return result;
    },

    meaning(answer) {
      const s = answer.statusCode;
      if (s !== null && s >= 200 && s < 300) return { kind: 'delivered' };
      if (s === 404 || s === 410) return { kind: 'gone' };
      if (s === null || s === 429 || s >= 500) return { kind: 'retry', notBeforeMs: answer.retryAfterMs };
      return { kind: 'failed' };
    },

    async settled(tx, row, outcome) {
      if (row.kind === 'decision_update') return;
      if (outcome.kind === 'gone') {
        await tx.query('DELETE FROM webpush_subscriptions WHERE id = $1', [row.payload.subscription_id]);
      } else if (outcome.kind === 'delivered') {
        await tx.query('UPDATE webpush_subscriptions SET last_sent_at = now() WHERE id = $1', [row.payload.subscription_id]);
      }
    },

    describe(row) {
      if (row.kind === 'decision_update') return { target: 'webpush', url: `webpush-message:${row.payload.message_id}` };
      return { target: 'webpush', url: `webpush:${row.recipient_email ?? ''}:${row.payload.subscription_id}` };
    },

    people: peopleChannel({
      preference: 'webpush',
      // Someone of the org subscribed a device.
      orgFacts: { sql: 'EXISTS (SELECT 1 FROM webpush_subscriptions WHERE org_id = $1)', schema: z.boolean() },
      reaches: (subscribed) => subscribed === true,
      async tell(tx, note: Notification, people: Recipient[]) {
        // Web Push posts nowhere but to people's devices: nobody reached, nothing to read.
        if (people.length === 0) return 0;
        const kind = note.kind;
        const { rows } = await tx.query<{ id: string; user_id: string }>('SELECT id, user_id FROM webpush_subscriptions WHERE org_id = $1 AND user_id = ANY ($2::uuid[])', [
          note.orgId,
          people.map((p) => p.userId),
        ]);
        const at = new Map(people.map((p) => [p.userId, p.at]));
        const base = { orgId: note.orgId, approvalId: note.approvalId, eventId: note.eventId, eventType: note.eventType };
        return enqueue(
          tx,
          WEBPUSH,
          kind,
          rows.map((d) => ({ ...base, recipientUserId: d.user_id, dedupeKey: `${personNoteKey(note, d.user_id)}:${d.id}`, notBefore: at.get(d.user_id), payload: { subscription_id: d.id } })),
        );
      },
    }),
  };
}
