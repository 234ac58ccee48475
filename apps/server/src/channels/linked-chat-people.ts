/**
 * How a chat whose people act through linked accounts (Telegram, Discord, Microsoft Teams) tells them:
 * once the org connected it (`<name>_settings`), each person asked who linked an account in the org
 * (`<name>_links`) gets a message of their own; Discord and Teams also post a request to the org's
 * channel when one is set (`channel_id`). The people who linked none are told by their other channels.
 */
import { z } from 'zod';
import { peopleChannel, personNoteKey, type ChannelSpec, type MessageSpec, type Notification, type NotificationKind, type PeopleChannel, type Recipient } from '../delivery/outbox/channel.ts';
import { enqueue } from '../delivery/outbox/outbox.ts';
import type { Queryable } from '../storage/database.ts';
import type { LinkingChat } from './chat-vote.ts';
import { noteKinds } from './notification-content.ts';

const Person = z.object({ to: z.literal('person') });

/**
 * The messages such a chat sends (its spec's `kinds`): a request to a person or to the org's channel
 * (`channel`: how the chat names one), the rest to a person, and the rewrite of a sent message with
 * its request's outcome.
 */
export function linkedChatKinds(channel: z.ZodString) {
  return { ...noteKinds(Person), approval_request: { payload: z.discriminatedUnion('to', [Person, z.object({ to: z.literal('channel'), channel })]) } };
}

/** What such a chat's spec holds: a request to a person or to the org's channel, everything else to a person. */
type ToPerson = MessageSpec<z.ZodType<{ to: 'person' }>>;
type LinkedChatKinds = { approval_request: MessageSpec<z.ZodType<{ to: 'person' } | { to: 'channel'; channel: string }>> } & Record<Exclude<NotificationKind, 'approval_request'>, ToPerson>;

/**
 * What such a chat knows of an org: null until the org connected it (`<name>_settings`), else where it
 * posts requests (`channel_id`, for the chats that post). Table names come from the chat's own name,
 * never from input.
 */
const settingsOf = (chat: LinkingChat, posts: boolean) => ({
  sql: `(SELECT jsonb_build_object(${posts ? "'channel_id', s.channel_id" : ''}) FROM ${chat}_settings s WHERE s.org_id = $1)`,
  schema: z.object({ channel_id: z.string().nullable().optional() }),
});

/** Queues `note` for each of `people` who linked an account of the chat in the org, each row carrying `payload`. */
async function tellLinked(tx: Queryable, spec: ChannelSpec<Record<NotificationKind, MessageSpec>> & { name: LinkingChat }, note: Notification, people: Recipient[], payload: object): Promise<number> {
  const { rows } = await tx.query<{ user_id: string }>(`SELECT user_id FROM ${spec.name}_links WHERE org_id = $1 AND user_id = ANY ($2::uuid[])`, [note.orgId, people.map((p) => p.userId)]);
  const linked = new Set(rows.map((r) => r.user_id));
  const base = { orgId: note.orgId, approvalId: note.approvalId, eventId: note.eventId, eventType: note.eventType };
  return enqueue(
    tx,
    spec,
    note.kind,
    people.filter((p) => linked.has(p.userId)).map((p) => ({ ...base, recipientUserId: p.userId, dedupeKey: personNoteKey(note, p.userId), notBefore: p.at, payload })),
  );
}

/** Such a chat that posts nothing to a channel (Telegram): its linked people only, each row carrying `payload`. */
export function linkedPeople(spec: ChannelSpec<Record<NotificationKind, MessageSpec>> & { name: 'telegram' }, payload: object): PeopleChannel {
  return peopleChannel({
    preference: spec.name,
    orgFacts: settingsOf(spec.name, false),
    reaches: (settings) => settings !== null,
    // Not connected: nobody to tell and nothing to post.
    tell: async (tx, note, people, settings) => (settings === null || people.length === 0 ? 0 : tellLinked(tx, spec, note, people, payload)),
  });
}

export function linkedChatPeople(spec: ChannelSpec<LinkedChatKinds> & { name: 'discord' | 'msteams' }): PeopleChannel {
  return peopleChannel({
    preference: spec.name,
    orgFacts: settingsOf(spec.name, true),
    reaches: (settings) => settings !== null,
    async tell(tx: Queryable, note: Notification, people: Recipient[], settings) {
      // Not connected: nobody to tell and no channel to post to.
      if (settings === null) return 0;
      let queued = people.length === 0 ? 0 : await tellLinked(tx, spec, note, people, { to: 'person' as const });
      const channel = settings.channel_id;
      if (note.kind === 'approval_request' && note.approvalId && channel) {
        const base = { orgId: note.orgId, approvalId: note.approvalId, eventId: note.eventId, eventType: note.eventType };
        queued += await enqueue(tx, spec, 'approval_request', [{ ...base, dedupeKey: `approval_request:${note.approvalId}:channel:${channel}`, payload: { to: 'channel' as const, channel } }]);
      }
      return queued;
    },
  });
}
