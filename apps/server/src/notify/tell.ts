import { createHash } from 'node:crypto';
import type { Queryable } from '../storage/database.ts';
import type { Notification } from '../delivery/outbox/channel.ts';
import type { RegisteredChannel } from '../delivery/outbox/attempt.ts';
import type { Asked } from '../core/who-is-asked.ts';
import { channelsFor, preferencesOf } from './preferences.ts';

/** The statement that reads every channel's facts of an org (PeopleChannel `orgFacts`), made once per set of channels. */
const factsStatements = new WeakMap<readonly RegisteredChannel[], { sql: string; name: string } | null>();

function factsStatement(channels: readonly RegisteredChannel[]): { sql: string; name: string } | null {
  let made = factsStatements.get(channels);
  if (made === undefined) {
    const columns = channels.flatMap((c, i) => (c.people?.orgFacts ? [`(${c.people.orgFacts.sql}) AS f${i}`] : []));
    const sql = columns.length > 0 ? `SELECT ${columns.join(', ')}` : null;
    // Named by its text: a process may hold more than one set of channels (tests), each its own statement.
    made = sql ? { sql, name: `org_facts_${createHash('sha256').update(sql).digest('hex').slice(0, 16)}` } : null;
    factsStatements.set(channels, made);
  }
  return made;
}

/** What each channel knows of the org (null: it reads nothing, or found nothing), by the channel's place in `channels`: one round trip for all. */
async function orgFacts(tx: Queryable, channels: readonly RegisteredChannel[], orgId: string): Promise<unknown[]> {
  const statement = factsStatement(channels);
  const row = statement ? (await tx.query<Record<string, unknown>>(statement.sql, [orgId], { prepare: statement.name })).rows[0] : undefined;
  return channels.map((c, i) => {
    const facts = c.people?.orgFacts;
    const value = row?.[`f${i}`];
    return facts && value !== null && value !== undefined ? facts.schema.parse(value) : null;
  });
}

/**
 * Tells `people` of `note` through every channel each of them chose (notify/preferences.ts) that
 * reaches them in this org (email configured; the org's Slack app set to message people), when their
 * quiet hours allow: one or more outbox rows per person and channel, queued in the caller's
 * transaction. A channel may also queue what it sends to no one person (a request posted to the org's
 * Slack channel), with or without people of its own. Returns how many rows each channel queued.
 */
export async function tell(tx: Queryable, channels: readonly RegisteredChannel[], note: Notification, people: Asked[]): Promise<Record<string, number>> {
  const now = new Date();
  const facts = await orgFacts(tx, channels, note.orgId);
  const prefs = people.length > 0 ? await preferencesOf(tx, note.orgId, people.map((p) => p.userId)) : new Map();
  const queued: Record<string, number> = {};
  for (const [i, c] of channels.entries()) {
    const way = c.people;
    if (!way) continue;
    const recipients = way.reaches(facts[i])
      ? people.flatMap((p) => {
          const at = channelsFor(prefs.get(p.userId)!, now, note.kind)[way.preference];
          return at ? [{ ...p, at }] : [];
        })
      : [];
    queued[c.spec.name] = await way.tell(tx, note, recipients, facts[i]);
  }
  return queued;
}
