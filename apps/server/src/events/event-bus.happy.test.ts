import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../testing/harness.ts';
import { EVENTS_CHANNEL, EventBus, MAX_HINTS, parseNotification } from './event-bus.ts';

const ORG = '6f1c2b8e-0d5a-4c3e-9b7a-1e2d3c4b5a69';
const APPROVAL = 'a1b2c3d4-e5f6-4890-abcd-ef1234567890';

describe('parseNotification', () => {
  it.each([
    [`${ORG}:42:${APPROVAL}:approval.approved`, { orgId: ORG, eventId: '42', approvalId: APPROVAL, type: 'approval.approved' }],
    [`${ORG}:7::delivery.failed`, { orgId: ORG, eventId: '7', approvalId: null, type: 'delivery.failed' }],
    ['', null],
    [`${ORG}:x:${APPROVAL}:approval.approved`, null],
    [`not-an-org:1::approval.created`, null],
    [`${ORG}:1:${APPROVAL}:approval.approved:extra`, null],
  ])('%j', (payload, expected) => {
    expect(parseNotification(payload)).toEqual(expected);
  });
});

describe('EventBus', () => {
  let tdb: TestDatabase;
  let bus: EventBus;
  beforeAll(async () => {
    tdb = await openTestDatabase();
    bus = new EventBus(tdb.db);
    await bus.start();
  }, 60_000);
  afterAll(async () => {
    await bus.close();
    await tdb.drop();
  }, 60_000);

  const notify = (payload: string) => tdb.db.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, payload]);

  it('wakes the waiters of the approval and of its org, not others; a wake-up before the wait is kept', async () => {
    const forApproval = bus.watchApproval(APPROVAL);
    const forOrg = bus.watchOrg(ORG);
    const forOther = bus.watchOrg('00000000-0000-4000-8000-000000000000');
    await notify(`${ORG}:1:${APPROVAL}:approval.approved`);
    // Notified before anyone waits: the subscription remembers it.
    await new Promise((r) => setTimeout(r, 100));
    expect(await forApproval.next(2_000)).toBe(true);
    expect(await forOrg.next(2_000)).toBe(true);
    expect(await forOther.next(200)).toBe(false);
    // Consumed: the next wait times out.
    expect(await forApproval.next(100)).toBe(false);
    [forApproval, forOrg, forOther].forEach((s) => s.close());
    expect(bus.size).toBe(0);
  });

  it('tells a subscriber what was announced since it last asked, in order; not what it cannot know', async () => {
    const sub = bus.watchOrg(ORG);
    expect(sub.announced()).toEqual([]);
    bus.dispatch(`${ORG}:5:${APPROVAL}:approval.vote_recorded`);
    bus.dispatch(`${ORG}:6:${APPROVAL}:approval.approved`);
    bus.dispatch('00000000-0000-4000-8000-000000000000:7::approval.created');
    expect(await sub.next(100)).toBe(true);
    expect(sub.announced()).toEqual([
      { orgId: ORG, eventId: '5', approvalId: APPROVAL, type: 'approval.vote_recorded' },
      { orgId: ORG, eventId: '6', approvalId: APPROVAL, type: 'approval.approved' },
    ]);
    expect(sub.announced()).toEqual([]);
    // Woken without an announcement (a reconnect): what happened meanwhile is unknown.
    bus.dispatch(`${ORG}:8::approval.created`);
    bus.wakeAll();
    bus.dispatch(`${ORG}:9::approval.created`);
    expect(sub.announced()).toBeNull();
    expect(sub.announced()).toEqual([]);
    // More than it keeps: only that it was woken.
    for (let i = 0; i <= MAX_HINTS; i++) bus.dispatch(`${ORG}:${100 + i}::approval.created`);
    expect(sub.announced()).toBeNull();
    sub.close();
  });

  it('a wait ends when its signal aborts', async () => {
    const sub = bus.watchOrg(ORG);
    const abort = new AbortController();
    const waiting = sub.next(10_000, abort.signal);
    abort.abort();
    expect(await waiting).toBe(false);
    sub.close();
  });

  it.skipIf(!TEST_DATABASE_URL)('on Postgres, listens again after its connection is killed and wakes everyone', async () => {
    const sub = bus.watchOrg(ORG);
    const { rows } = await tdb.db.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND query = 'LISTEN ${EVENTS_CHANNEL}'`,
    );
    expect(rows[0]!.n).toBe(1);
    // The reconnect itself wakes the subscriber (whatever was notified meanwhile is lost).
    expect(await sub.next(5_000)).toBe(true);
    await notify(`${ORG}:2::approval.created`);
    expect(await sub.next(2_000)).toBe(true);
    sub.close();
  });
});
