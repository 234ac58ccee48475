/**
 * tell() queues a notification through every channel side by side: each channel's statements are
 * issued before any of them is answered (one wait on the transaction's connection, not one per
 * channel), and whichever fails, every channel's statements have settled before tell() answers, so
 * nothing of it is still in flight when its transaction ends.
 */
import { expect, it } from 'vitest';
import type { Queryable } from '../storage/database.ts';
import type { RegisteredChannel } from '../delivery/outbox/attempt.ts';
import type { Notification, PeopleChannel } from '../delivery/outbox/channel.ts';
import { tell, type ReadForTelling } from './tell.ts';

/** A transaction that answers each statement on a later turn of the event loop, and notes when each was issued and answered. */
function recordingTx(events: string[]): Queryable {
  return {
    async query<T>(sql: string) {
      events.push(`issued ${sql}`);
      await new Promise((r) => setTimeout(r, 5));
      if (sql.includes('fails')) {
        events.push(`failed ${sql}`);
        throw new Error(`refused: ${sql}`);
      }
      events.push(`answered ${sql}`);
      return { rows: [] as T[], rowCount: 1 };
    },
    async exec() {},
    notify() {},
  };
}

/** A channel that queues one statement, `sql`, whoever it reaches. */
const channelQueuing = (name: string, preference: PeopleChannel['preference'], sql: string): RegisteredChannel =>
  ({
    spec: { name, kinds: {} },
    people: { preference, reaches: () => true, tell: async (tx: Queryable) => (await tx.query(sql)).rowCount },
  }) as unknown as RegisteredChannel;

const note: Notification = { kind: 'approval_request', orgId: 'o', approvalId: 'a', eventId: '1', eventType: 'approval.created', occasion: null };
const nobody: ReadForTelling = { people: [], facts: [null, null], prefs: new Map() } as unknown as ReadForTelling;

it("issues every channel's statement before the first is answered, and answers how many each queued", async () => {
  const events: string[] = [];
  const queued = await tell(recordingTx(events), [channelQueuing('email', 'email', 'email rows'), channelQueuing('slack', 'slack', 'slack rows')], note, nobody);
  expect(queued).toEqual({ email: 1, slack: 1 });
  expect(events.slice(0, 2)).toEqual(['issued email rows', 'issued slack rows']);
  expect(events.slice(2).sort()).toEqual(['answered email rows', 'answered slack rows']);
});

it("fails with the first failure only once every channel's statement has settled", async () => {
  const events: string[] = [];
  const told = tell(recordingTx(events), [channelQueuing('email', 'email', 'email fails'), channelQueuing('slack', 'slack', 'slack rows')], note, nobody);
  await expect(told).rejects.toThrow('refused: email fails');
  expect(events).toContain('answered slack rows');
});
