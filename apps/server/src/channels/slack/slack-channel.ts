/**
 * Slack: an org's Slack app (modules/slack/) posts a request to the request's channel (core/slack.ts,
 * slackChannelFor) and, when the org lets it message people, tells each person who chose Slack by a
 * direct message: the request with its buttons, reminders, receipts, the daily digest, a gone waiter.
 * People are told through it by notify/.
 *
 * - A message with buttons is recorded once posted (sent_messages, before the attempt itself), so it
 *   is rewritten with the outcome when the request ends (a `decision_update` row per message, queued
 *   with the event that ends it: storage/functions/greenlight_queue_message_updates.sql); one recorded
 *   after the end is given its update by its sender (delivery/outbox/sent-messages.ts). Found at a
 *   later attempt, the record means the message is already posted: it is not posted again. What it
 *   does not cover: a process killed between Slack accepting the message and the record committing
 *   posts it again at the next attempt (the copy has the same buttons, which decide the same request once).
 * - A direct message goes to the Slack user found by the person's email address when it is sent; a
 *   person Slack does not know (under that address) is nobody to message: `gone`, not a failure.
 * - Slack's own errors that a retry cannot fix fail the row for good; the rest (rate limits with their
 *   Retry-After, Slack's failures, timeouts) are retried on the outbox's schedule.
 */
import { z } from 'zod';
import type { Queryable } from '../../storage/database.ts';
import { slackAppOf, slackChannelFor, type SlackApp } from '../../core/slack.ts';
import { apiVerdict, peopleChannel, personNoteKey, type Channel, type ChannelSpec, type Message, type Recipient } from '../../delivery/outbox/channel.ts';
import { enqueue } from '../../delivery/outbox/outbox.ts';
import { recordSentMessage } from '../../delivery/outbox/sent-messages.ts';
import { chatDescribed, noteMessage, prepareChat, type ChatLayouts } from '../chat-sending.ts';
import { askedCan, noteKinds, personNoteFor, requestOf, shownTo, type PersonNoteKind } from '../notification-content.ts';
import { callSlack, slackClient, type SlackCallResult, type SlackConnection } from './slack-client.ts';
import { approvalMessage, digestMessage, receiptMessage, reminderReply, waiterGoneMessage, type SlackMessage } from './slack-messages.ts';

const Person = z.object({ to: z.literal('person') });
/** A Slack channel (a name such as #approvals, or an id). */
const InChannel = z.object({ to: z.literal('channel'), channel: z.string().min(1).max(200) });

export const SLACK = {
  name: 'slack',
  kinds: {
    ...noteKinds(Person),
    approval_request: { payload: z.discriminatedUnion('to', [Person, InChannel]) },
    /** To a person: the request again, with its buttons; in a channel: a reply in the thread of the request's post there. */
    reminder: { payload: z.discriminatedUnion('to', [Person, InChannel]) },
  },
} as const satisfies ChannelSpec;

type Kinds = typeof SLACK.kinds;
type SlackRow = Message<Kinds>;

/** One Web API call to make: post (to a channel, a thread, or a person found by address) or rewrite. */
type Call =
  | { method: 'post'; to: { channel: string } | { email: string }; threadTs?: string; message: SlackMessage; record: boolean }
  | { method: 'update'; channel: string; ts: string; message: SlackMessage };

type Prepared = { app: SlackApp; call: Call };
type Answer = SlackCallResult<unknown>;

const LAYOUTS: ChatLayouts<SlackMessage> = { ended: approvalMessage, receipt: receiptMessage, waiterGone: waiterGoneMessage, digest: digestMessage };

/** The request's post in a channel (the parent of a reminder's thread). */
async function channelPostOf(db: Queryable, approvalId: string | null, channel: string): Promise<{ channel: string; ts: string } | null> {
  const { rows } = await db.query<{ address: { channel: string; ts: string } }>(
    `SELECT m.address FROM sent_messages m JOIN deliveries d ON d.id = m.delivery_id
      WHERE m.approval_id = $1 AND m.channel = 'slack' AND m.recipient_user_id IS NULL AND d.kind = 'approval_request' AND d.payload ->> 'channel' = $2
      ORDER BY m.created_at LIMIT 1`,
    [approvalId, channel],
  );
  return rows[0]?.address ?? null;
}

/** What a row of a request (asking, reminding) posts in the request's channel; or why nothing is. */
async function channelCall(db: Queryable, publicUrl: string, row: Extract<SlackRow, { kind: 'approval_request' | 'reminder' }>, channel: string): Promise<Call | { skip: string }> {
  const a = await requestOf(db, row.approval_id);
  if (!a) return { skip: 'request removed' };
  if (a.status !== 'pending') return { skip: `request already ${a.status}` };
  const openUrl = `${publicUrl}/requests/${a.id}`;
  if (row.kind === 'reminder') {
    const post = await channelPostOf(db, a.id, channel);
    if (!post) return { skip: 'the request was not posted to the channel' };
    return { method: 'post', to: { channel: post.channel }, threadTs: post.ts, message: reminderReply({ approval: a, openUrl }), record: false };
  }
  // Anyone in a channel sees it: sensitive fields masked, as for a subscription.
  return { method: 'post', to: { channel }, message: approvalMessage({ approval: shownTo(null, a), orgName: a.org_name, openUrl }), record: true };
}

/** What a row to one person posts: the request to decide with the buttons the rules allow them, or a note; or why nothing is. */
async function personCall(db: Queryable, publicUrl: string, row: Extract<SlackRow, { kind: PersonNoteKind }>): Promise<Call | { skip: string }> {
  const note = await personNoteFor(db, publicUrl, row);
  if ('skip' in note) return note;
  const email = note.email;
  if (note.kind !== 'ask') return { method: 'post', to: { email }, message: noteMessage(LAYOUTS, note), record: false };
  const a = note.request;
  const can = await askedCan(db, note);
  if ('skip' in can) return can;
  const message = approvalMessage({ approval: a, orgName: a.org_name, openUrl: note.openUrl, reminder: note.reminder, decide: can.decide, grant: can.grant });
  return { method: 'post', to: { email }, message, record: true };
}

export interface SlackChannelDeps {
  /** Where links point (GREENLIGHT_PUBLIC_URL). */
  publicUrl: string;
  /** Where the Slack Web API is, and how long a call may take. */
  slack: SlackConnection;
}

export function slackChannel(deps: SlackChannelDeps): Channel<Kinds, Prepared, Answer> {
  return {
    spec: SLACK,

    prepare: (ctx, row) =>
      prepareChat(ctx.db, deps.publicUrl, row, {
        name: 'Slack',
        appOf: slackAppOf,
        layouts: LAYOUTS,
        update: (at: { channel: string; ts: string }, message): Call => ({ method: 'update', channel: at.channel, ts: at.ts, message }),
        call: (_app, row) => {
          const inChannel = (row.kind === 'approval_request' || row.kind === 'reminder') && row.payload.to === 'channel' ? row.payload.channel : null;
          return inChannel !== null && (row.kind === 'approval_request' || row.kind === 'reminder') ? channelCall(ctx.db, deps.publicUrl, row, inChannel) : personCall(ctx.db, deps.publicUrl, row);
        },
      }),

    async send(ctx, row, { app, call }) {
      const client = slackClient(app.botToken, deps.slack);
      if (call.method === 'update') {
        return callSlack(() => client.chat.update({ channel: call.channel, ts: call.ts, text: call.message.text, blocks: call.message.blocks as never }));
      }
      let channel: string;
      if ('email' in call.to) {
        // A direct message goes to the person's Slack user id, found by the address Greenlight has.
        const found = await callSlack(() => client.users.lookupByEmail({ email: (call.to as { email: string }).email }));
        if (found.error !== null) return found;
        if (!found.value?.user?.id) return { ...found, error: 'slack: no user id', permanent: true };
        channel = found.value.user.id;
      } else {
        channel = call.to.channel;
      }
      const result = await callSlack(() =>
        client.chat.postMessage({
          channel,
          text: call.message.text,
          blocks: call.message.blocks as never,
          unfurl_links: false,
          unfurl_media: false,
          ...(call.threadTs ? { thread_ts: call.threadTs } : {}),
        }),
      );
      if (call.record && result.error === null && result.value?.channel && result.value.ts) {
        await recordSentMessage(ctx.db, row, { channel: result.value.channel, ts: result.value.ts });
      }
      return result;
    },

    meaning(answer) {
      if (answer.error === null) return { kind: 'delivered' };
      // Not in the workspace (under this address): nobody to message, which is not a failure to report.
      if (answer.slackError === 'users_not_found') return { kind: 'gone' };
      return apiVerdict(answer);
    },

    describe: (row) => chatDescribed('slack', row),

    people: peopleChannel({
      preference: 'slack',
      // The org's Slack app (null: none), and whether it messages people one by one.
      orgFacts: {
        sql: "(SELECT jsonb_build_object('dm_approvers', s.dm_approvers) FROM slack_settings s WHERE s.org_id = $1)",
        schema: z.object({ dm_approvers: z.boolean() }),
      },
      reaches: (app) => app?.dm_approvers ?? false,
      async tell(tx, note, people: Recipient[], app) {
        if (!app) return 0;
        const base = { orgId: note.orgId, approvalId: note.approvalId, eventId: note.eventId, eventType: note.eventType };
        let queued = await enqueue(
          tx,
          SLACK,
          note.kind,
          people.map((p) => ({ ...base, recipientUserId: p.userId, dedupeKey: personNoteKey(note, p.userId), notBefore: p.at, payload: { to: 'person' as const } })),
        );
        // The request's channel: its post, and a reminder in the post's thread.
        if ((note.kind === 'approval_request' || note.kind === 'reminder') && note.approvalId) {
          const channel = await slackChannelFor(tx, note.approvalId);
          if (channel) {
            const dedupeKey = note.kind === 'approval_request' ? `approval_request:${note.approvalId}:channel:${channel}` : `reminder:${note.occasion}:channel`;
            queued += await enqueue(tx, SLACK, note.kind, [{ ...base, dedupeKey, payload: { to: 'channel', channel } }]);
          }
        }
        return queued;
      },
    }),
  };
}
