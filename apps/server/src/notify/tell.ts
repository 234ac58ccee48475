import { createHash } from 'node:crypto';
import type { Queryable } from '../storage/database.ts';
import type { Notification } from '../delivery/outbox/channel.ts';
import type { RegisteredChannel } from '../delivery/outbox/attempt.ts';
import type { Asked } from '../core/who-is-asked.ts';
import { channelsFor, PREFERENCES_SQL, preferencesFrom } from './preferences.ts';

/**
 * The statement that reads every channel's facts of an org (PeopleChannel `orgFacts`, `$1` the org)
 * and the preferences of the people told (PREFERENCES_SQL, `$2` their ids), made once per set of channels.
 */
const readStatements = new WeakMap<readonly RegisteredChannel[], { sql: string; name: string }>();

function readStatement(channels: readonly RegisteredChannel[]): { sql: string; name: string } {
  let made = readStatements.get(channels);
  if (made === undefined) {
    const columns = channels.flatMap((c, i) => (c.people?.orgFacts ? [`(${c.people.orgFacts.sql}) AS f${i}`] : []));
    columns.push(`(SELECT coalesce(jsonb_agg(to_jsonb(p)), '[]') FROM (${PREFERENCES_SQL}) p) AS prefs`);
    const sql = `SELECT ${columns.join(', ')}`;
    // Named by its text: a process may hold more than one set of channels (tests), each its own statement.
    made = { sql, name: `tell_read_${createHash('sha256').update(sql).digest('hex').slice(0, 16)}` };
    readStatements.set(channels, made);
  }
  return made;
}

/**
 * What each channel knows of the org (null: it reads nothing, or found nothing), by the channel's
 * place in `channels`, and the preferences of `userIds`: one round trip for all.
 */
async function readForTelling(tx: Queryable, channels: readonly RegisteredChannel[], orgId: string, userIds: string[]) {
  const statement = readStatement(channels);
  const row = (await tx.query<Record<string, unknown>>(statement.sql, [orgId, userIds], { prepare: statement.name })).rows[0]!;
  const facts = channels.map((c, i) => {
    const f = c.people?.orgFacts;
    const value = row[`f${i}`];
    return f && value !== null && value !== undefined ? f.schema.parse(value) : null;
  });
  return { facts, prefs: preferencesFrom(row.prefs as Parameters<typeof preferencesFrom>[0]) };
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
  const { facts, prefs } = await readForTelling(tx, channels, note.orgId, people.map((p) => p.userId));
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
