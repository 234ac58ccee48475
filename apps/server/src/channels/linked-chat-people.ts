/**
 * How a chat whose people act through linked accounts (Discord, Microsoft Teams) tells them: once the
 * org connected it (`<name>_settings`), each person asked who linked an account in the org
 * (`<name>_links`) gets a message of their own, and a request is also posted to the org's channel
 * when one is set (`channel_id`). The people who linked none are told by their other channels.
 */
import { z } from 'zod';
import { personNoteKey, type ChannelSpec, type MessageSpec, type Notification, type NotificationKind, type PeopleChannel, type Recipient } from '../delivery/outbox/channel.ts';
import { enqueue } from '../delivery/outbox/outbox.ts';
import type { Queryable } from '../storage/database.ts';

const Person = z.object({ to: z.literal('person') });

/**
 * The messages such a chat sends (its spec's `kinds`): a request to a person or to the org's channel
 * (`channel`: how the chat names one), the rest to a person, and the rewrite of a sent message with
 * its request's outcome.
 */
export function linkedChatKinds(channel: z.ZodString) {
  return {
    approval_request: { payload: z.discriminatedUnion('to', [Person, z.object({ to: z.literal('channel'), channel })]) },
    /** The request again, with its actions, said to be a reminder (to people only). */
    reminder: { payload: Person },
    digest: { payload: Person },
    execution_receipt: { payload: Person },
    waiter_gone: { payload: Person },
    /** A sent message rewritten with the request's outcome, without actions. */
    decision_update: { payload: z.object({ message_id: z.uuid() }) },
  };
}

/** What such a chat's spec holds: a request to a person or to the org's channel, everything else to a person. */
type ToPerson = MessageSpec<z.ZodType<{ to: 'person' }>>;
type LinkedChatKinds = { approval_request: MessageSpec<z.ZodType<{ to: 'person' } | { to: 'channel'; channel: string }>> } & Record<Exclude<NotificationKind, 'approval_request'>, ToPerson>;

export function linkedChatPeople(spec: ChannelSpec<LinkedChatKinds> & { name: 'discord' | 'msteams' }): PeopleChannel {
  // Table names come from the channel's own name, never from input.
  const settings = `${spec.name}_settings`;
  const links = `${spec.name}_links`;
  return {
    preference: spec.name,
    async reaches(tx: Queryable, orgId: string) {
      const { rows } = await tx.query(`SELECT 1 FROM ${settings} WHERE org_id = $1`, [orgId]);
      return rows.length > 0;
    },
    async tell(tx: Queryable, note: Notification, people: Recipient[]) {
      const { rows: set } = await tx.query<{ channel_id: string | null }>(`SELECT channel_id FROM ${settings} WHERE org_id = $1`, [note.orgId]);
      if (!set[0]) return 0;
      const { rows } = await tx.query<{ user_id: string }>(`SELECT user_id FROM ${links} WHERE org_id = $1 AND user_id = ANY ($2::uuid[])`, [note.orgId, people.map((p) => p.userId)]);
      const linked = new Set(rows.map((r) => r.user_id));
      const base = { orgId: note.orgId, approvalId: note.approvalId, eventId: note.eventId, eventType: note.eventType };
      let queued = await enqueue(
        tx,
        spec,
        note.kind,
        people
          .filter((p) => linked.has(p.userId))
          .map((p) => ({ ...base, recipientUserId: p.userId, dedupeKey: personNoteKey(note, p.userId), notBefore: p.at, payload: { to: 'person' as const } })),
      );
      const channel = set[0].channel_id;
      if (note.kind === 'approval_request' && note.approvalId && channel) {
        queued += await enqueue(tx, spec, 'approval_request', [{ ...base, dedupeKey: `approval_request:${note.approvalId}:channel:${channel}`, payload: { to: 'channel' as const, channel } }]);
      }
      return queued;
    },
  };
}
