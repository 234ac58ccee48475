import { preparedName, sideBySide, type Queryable } from '../storage/database.ts';
import type { Notification } from '../delivery/outbox/channel.ts';
import type { RegisteredChannel } from '../delivery/outbox/attempt.ts';
import { askedNowPeopleSql, type Asked } from '../core/who-is-asked.ts';
import { channelsFor, preferencesFrom, preferencesSql } from './preferences.ts';

/**
 * Whom to tell: people already named, or the people a request asks now (whoIsAsked's rule), read in
 * the statement that reads what telling them needs.
 */
export type People = Asked[] | { askedNow: string };

type Statement = { sql: string; name: string };

/**
 * The statement that reads every channel's facts of an org (PeopleChannel `orgFacts`, `$1` the org)
 * and the preferences of the people told: of `$2` (their ids), or of the people the request `$2` asks
 * now, read in the same statement. Made once per set of channels and way of naming the people.
 */
const readStatements = new WeakMap<readonly RegisteredChannel[], { named?: Statement; askedNow?: Statement }>();

function readStatement(channels: readonly RegisteredChannel[], askedNow: boolean): Statement {
  let made = readStatements.get(channels);
  if (made === undefined) readStatements.set(channels, (made = {}));
  const key = askedNow ? 'askedNow' : 'named';
  let statement = made[key];
  if (statement === undefined) {
    const columns = channels.flatMap((c, i) => (c.people?.orgFacts ? [`(${c.people.orgFacts.sql}) AS f${i}`] : []));
    const ids = askedNow ? '(SELECT array_agg(x."userId") FROM asked x)' : '$2';
    columns.push(`(SELECT coalesce(jsonb_agg(to_jsonb(p)), '[]') FROM (${preferencesSql(ids)}) p) AS prefs`);
    if (askedNow) columns.push(`(SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.email), '[]') FROM asked x) AS people`);
    const sql = `${askedNow ? `WITH asked AS (${askedNowPeopleSql('$2')}) ` : ''}SELECT ${columns.join(', ')}`;
    // Named by its text: a process may hold more than one set of channels (tests), each its own statement.
    statement = { sql, name: preparedName('tell_read', sql) };
    made[key] = statement;
  }
  return statement;
}

/** What telling needs, read by readForTelling. */
export type ReadForTelling = Awaited<ReturnType<typeof readForTelling>>;

/**
 * Whom to tell, what each channel knows of the org (null: it reads nothing, or found nothing), by the
 * channel's place in `channels`, and the preferences of the people told: one round trip for all.
 */
export async function readForTelling(tx: Queryable, channels: readonly RegisteredChannel[], orgId: string, who: People) {
  const askedNow = !Array.isArray(who);
  const statement = readStatement(channels, askedNow);
  const param = askedNow ? who.askedNow : who.map((p) => p.userId);
  // From its generic plan (the same whatever the org and the people): planned for its values, it
  // cost 0.24 ms to plan and 0.26 to run, against 0.14 and 0.19 (N1's load, Postgres's statement log).
  const row = (await tx.query<Record<string, unknown>>(statement.sql, [orgId, param], { prepare: statement.name, generic: true })).rows[0]!;
  const facts = channels.map((c, i) => {
    const f = c.people?.orgFacts;
    const value = row[`f${i}`];
    return f && value !== null && value !== undefined ? f.schema.parse(value) : null;
  });
  const people = askedNow ? (row.people as Asked[]) : who;
  return { people, facts, prefs: preferencesFrom(row.prefs as Parameters<typeof preferencesFrom>[0]) };
}

/**
 * Tells the people `read` names (readForTelling, on the same `channels`) of `note` through every
 * channel each of them chose (notify/preferences.ts) that reaches them in this org (email configured;
 * the org's Slack app set to message people), when their quiet hours allow: one or more outbox rows
 * per person and channel, queued in the caller's transaction. A channel may also queue what it sends
 * to no one person (a request posted to the org's Slack channel), with or without people of its own.
 * The channels queue side by side: their statements go to the transaction's connection together, one
 * wait for all of them rather than one per channel (enqueue shares the claim's room among them).
 * Returns how many rows each channel queued.
 */
export async function tell(tx: Queryable, channels: readonly RegisteredChannel[], note: Notification, read: ReadForTelling): Promise<Record<string, number>> {
  const now = new Date();
  const { people, facts, prefs } = read;
  // Whom each channel tells, worked out before any of them queues anything.
  const ways = channels.flatMap((c, i) => {
    const way = c.people;
    if (!way) return [];
    const recipients = way.reaches(facts[i])
      ? people.flatMap((p) => {
          const at = channelsFor(prefs.get(p.userId)!, now, note.kind)[way.preference];
          return at ? [{ ...p, at }] : [];
        })
      : [];
    return [{ name: c.spec.name, way, recipients, facts: facts[i] }];
  });
  // Started together (a channel that throws rejects its own promise, not the others').
  const counts = await sideBySide(ways.map(async (w) => w.way.tell(tx, note, w.recipients, w.facts)));
  return Object.fromEntries(ways.map((w, i) => [w.name, counts[i]!]));
}
