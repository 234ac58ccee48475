import type { Queryable } from '../storage/database.ts';
import type { Notification } from '../delivery/outbox/channel.ts';
import type { RegisteredChannel } from '../delivery/outbox/attempt.ts';
import type { Asked } from '../core/who-is-asked.ts';
import { channelsFor, preferencesOf } from './preferences.ts';

/**
 * Tells `people` of `note` through every channel each of them chose (notify/preferences.ts) that
 * reaches them in this org (email configured; the org's Slack app set to message people), when their
 * quiet hours allow: one or more outbox rows per person and channel, queued in the caller's
 * transaction. A channel may also queue what it sends to no one person (a request posted to the org's
 * Slack channel), with or without people of its own. Returns how many rows each channel queued.
 */
export async function tell(tx: Queryable, channels: readonly RegisteredChannel[], note: Notification, people: Asked[]): Promise<Record<string, number>> {
  const now = new Date();
  const prefs = people.length > 0 ? await preferencesOf(tx, note.orgId, people.map((p) => p.userId)) : new Map();
  const queued: Record<string, number> = {};
  for (const c of channels) {
    const way = c.people;
    if (!way) continue;
    const reached = people.length > 0 ? await way.reaches(tx, note.orgId) : undefined;
    const recipients = reached
      ? people.flatMap((p) => {
          const at = channelsFor(prefs.get(p.userId)!, now, note.kind)[way.preference];
          return at ? [{ ...p, at }] : [];
        })
      : [];
    queued[c.spec.name] = await way.tell(tx, note, recipients, reached);
  }
  return queued;
}
