/**
 * Notifications on Postgres are coalesced (postgres.ts, queueNotify): many payloads of one channel
 * travel in few NOTIFYs, and listeners still get every payload once, in order.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../testing/harness.ts';
import type { Database } from './database.ts';
import { joinPayloads, NOTIFY_SPACING_MS, openPostgres } from './postgres.ts';

describe('joinPayloads', () => {
  it('keeps every payload in order and each notification under 8000 bytes', () => {
    const payloads = Array.from({ length: 400 }, (_, i) => `org:${i}:${'é'.repeat(40)}:approval.created`);
    const joined = joinPayloads(payloads);
    expect(joined.length).toBeGreaterThan(1);
    for (const n of joined) expect(Buffer.byteLength(n)).toBeLessThan(8000);
    expect(joined.flatMap((n) => n.split('\n'))).toEqual(payloads);
  });

  it('keeps empty payloads, and makes nothing of nothing', () => {
    expect(joinPayloads(['', 'a', ''])).toEqual(['\na\n']);
    expect(joinPayloads([])).toEqual([]);
    const big = 'x'.repeat(7999);
    expect(joinPayloads([big, big])).toEqual([big, big]);
  });
});

describe.skipIf(!TEST_DATABASE_URL)('notifications on Postgres', () => {
  const open: Database[] = [];
  const clients: pg.Client[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((d) => d.close()));
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => {})));
  });
  const database = async (notifySpacingMs?: number) => {
    const db = await openPostgres({ connectionString: TEST_DATABASE_URL!, max: 2, notifySpacingMs });
    open.push(db);
    return db;
  };
  /** A plain LISTEN connection: counts the NOTIFYs themselves, not the payloads inside. */
  const rawListener = async (channel: string) => {
    const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await c.connect();
    clients.push(c);
    const got: string[] = [];
    c.on('notification', (m) => got.push(m.payload ?? ''));
    await c.query(`LISTEN ${channel}`);
    return got;
  };
  const channel = () => `test_notify_${randomUUID().replaceAll('-', '')}`;
  const until = async (check: () => boolean, ms = 5_000) => {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('a burst reaches another process complete and in order, in a few NOTIFYs, and this process once', async () => {
    const ch = channel();
    const [a, b] = [await database(), await database()];
    const inA: string[] = [];
    const inB: string[] = [];
    await a.listen(ch, (p) => inA.push(p));
    await b.listen(ch, (p) => inB.push(p));
    const raw = await rawListener(ch);
    const payloads = Array.from({ length: 500 }, (_, i) => `${randomUUID()}:${i}:${randomUUID()}:approval.created`);
    // Spread over turns of the event loop and over more than one spacing interval.
    for (let i = 0; i < payloads.length; i++) {
      a.notify(ch, payloads[i]!);
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, NOTIFY_SPACING_MS / 2));
    }
    await until(() => inB.length >= payloads.length && raw.flatMap((n) => n.split('\n')).length >= payloads.length);
    expect(inB).toEqual(payloads);
    expect(raw.flatMap((n) => n.split('\n'))).toEqual(payloads);
    expect(raw.length).toBeLessThan(40);
    // A's own listener had each at once, and its echo through LISTEN is skipped.
    await new Promise((r) => setTimeout(r, 200));
    expect(inA).toEqual(payloads);
  });

  it('a lone notification goes out on the next turn as the payload itself', async () => {
    const ch = channel();
    const a = await database();
    const raw = await rawListener(ch);
    await new Promise((r) => setTimeout(r, NOTIFY_SPACING_MS * 2));
    const started = performance.now();
    a.notify(ch, 'org:1::approval.created');
    await until(() => raw.length === 1);
    expect(raw).toEqual(['org:1::approval.created']);
    // Not held for the spacing interval after a quiet spell (generous bound: loopback on a busy machine).
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('an urgent notification is not held for the spacing, and takes what waits with it, in order', async () => {
    const ch = channel();
    // A spacing far longer than the test: what goes out before it ends was sent because it was urgent.
    const a = await database(600_000);
    const raw = await rawListener(ch);
    a.notify(ch, 'org:1:e1:approval.created');
    await until(() => raw.length === 1);
    a.notify(ch, 'org:1:e2:approval.created');
    a.notify(ch, 'org:1:e3:approval.approved', true);
    await until(() => raw.length === 2);
    expect(raw).toEqual(['org:1:e1:approval.created', 'org:1:e2:approval.created\norg:1:e3:approval.approved']);
  });

  it('an urgent notification is sent as soon as its announcer yields, before the next turn of the event loop', async () => {
    const ch = channel();
    const a = await database();
    await a.listen(channel(), () => {});
    const raw = await rawListener(ch);
    const order: string[] = [];
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      if ((args[0] as { name?: string } | undefined)?.name === 'notify_many') order.push('NOTIFY sent');
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    try {
      // The rest of the turn the announcer runs in (a deciding request's own answer, its callback).
      setImmediate(() => order.push('next turn'));
      a.notify(ch, 'org:1:e5:approval.approved', true);
      await until(() => order.includes('next turn') && raw.length === 1);
      expect(order).toEqual(['NOTIFY sent', 'next turn']);
      expect(raw).toEqual(['org:1:e5:approval.approved']);
      // One that is not urgent still waits for the next turn.
      order.length = 0;
      setImmediate(() => order.push('next turn'));
      a.notify(ch, 'org:1:e6:approval.created');
      await until(() => order.length === 2);
      expect(order).toEqual(['next turn', 'NOTIFY sent']);
    } finally {
      pg.Client.prototype.query = query;
    }
  });

  it('a transaction’s urgent notification goes out once it commits, not after the spacing', async () => {
    const ch = channel();
    const a = await database(600_000);
    const raw = await rawListener(ch);
    a.notify(ch, 'warm');
    await until(() => raw.length === 1);
    await a.transaction(async (tx) => {
      tx.notify(ch, 'org:1:e4:approval.rejected', true);
      await tx.query('SELECT 1');
      expect(raw).toHaveLength(1);
    });
    await until(() => raw.length === 2);
    expect(raw[1]).toBe('org:1:e4:approval.rejected');
  });

  /** The names of the statements the process sends (every pg client) while `work` runs. */
  const namesDuring = async (work: () => Promise<unknown>): Promise<string[]> => {
    const names: string[] = [];
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const first = args[0] as { name?: string; text?: string } | string | undefined;
      names.push(typeof first === 'string' ? first : (first?.name ?? first?.text ?? ''));
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    try {
      await work();
    } finally {
      pg.Client.prototype.query = query;
    }
    return names;
  };

  it('a transaction’s urgent notification is sent by the statement behind its COMMIT, with the rest of the transaction’s, in order, heard here once', async () => {
    const ch = channel();
    const a = await database(600_000);
    const inA: string[] = [];
    await a.listen(ch, (p) => inA.push(p));
    const raw = await rawListener(ch);
    const names = await namesDuring(() =>
      a.transaction(async (tx) => {
        tx.notify(ch, 'org:1:e7:approval.created');
        tx.notify(ch, 'org:1:e8:approval.revoked', true);
        await tx.query('SELECT 1');
      }),
    );
    // One round trip: the setting, COMMIT and the follower went out together, and the process sent
    // no NOTIFY of its own, then or after.
    expect(names.slice(-3)).toEqual(['after_commit_set', 'COMMIT', 'after_commit_announce']);
    await until(() => raw.length === 1 && inA.length === 2);
    expect(raw).toEqual(['org:1:e7:approval.created\norg:1:e8:approval.revoked']);
    // This process's listener heard them back through LISTEN, once: nothing was handed to it before.
    await new Promise((r) => setTimeout(r, 100));
    expect(inA).toEqual(['org:1:e7:approval.created', 'org:1:e8:approval.revoked']);
    expect(await namesDuring(() => new Promise((r) => setTimeout(r, 50)))).not.toContain('notify_many');
  });

  it('a transaction that does not commit announces nothing, and leaves nothing for the next one on its connection', async () => {
    const ch = channel();
    const table = `test_deferred_${randomUUID().replaceAll('-', '')}`;
    // One connection: the next transactions run on the one whose COMMIT failed.
    const a = await openPostgres({ connectionString: TEST_DATABASE_URL!, max: 1, notifySpacingMs: 600_000 });
    open.push(a);
    const raw = await rawListener(ch);
    await a.query(`CREATE TABLE ${table} (id int, CONSTRAINT ${table}_u UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)`);
    try {
      // Its statements succeed; the deferred check fails the COMMIT itself.
      await expect(
        a.transaction(async (tx) => {
          tx.notify(ch, 'org:1:never:approval.approved', true);
          await tx.query(`INSERT INTO ${table} VALUES (1), (1)`);
        }),
      ).rejects.toMatchObject({ code: '23505' });
      await expect(
        a.transaction(async (tx) => {
          tx.notify(ch, 'org:1:rolled-back:approval.approved', true);
          throw new Error('given up');
        }),
      ).rejects.toThrow('given up');
      await a.transaction(async (tx) => {
        tx.notify(ch, 'org:1:quiet:approval.created');
        await tx.query('SELECT 1');
      });
      await a.transaction(async (tx) => {
        tx.notify(ch, 'org:1:e9:approval.approved', true);
        await tx.query('SELECT 1');
      });
      await until(() => raw.includes('org:1:e9:approval.approved'));
      expect(raw.flatMap((n) => n.split('\n'))).not.toContain('org:1:never:approval.approved');
      expect(raw.flatMap((n) => n.split('\n'))).not.toContain('org:1:rolled-back:approval.approved');
      expect(raw.filter((n) => n === 'org:1:e9:approval.approved')).toHaveLength(1);
      const { rows } = await a.query<{ left: string }>(`SELECT current_setting('greenlight.after_commit', true) AS left`);
      expect(rows[0]!.left).toBe('');
    } finally {
      await a.query(`DROP TABLE ${table}`);
    }
  });

  it('a payload that cannot travel is refused when a transaction announces it, before anything commits', async () => {
    const a = await database();
    const table = `test_refused_${randomUUID().replaceAll('-', '')}`;
    await a.query(`CREATE TABLE ${table} (id int)`);
    try {
      await expect(
        a.transaction(async (tx) => {
          await tx.query(`INSERT INTO ${table} VALUES (1)`);
          tx.notify(channel(), 'a\nb', true);
        }),
      ).rejects.toThrow(/line break/);
      expect((await a.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]).toEqual({ n: 0 });
    } finally {
      await a.query(`DROP TABLE ${table}`);
    }
  });

  it('a notification reaches another process while every pooled connection is busy', async () => {
    const ch = channel();
    const [a, b] = [await database(), await database()];
    // The sender listens too (as every server does): its LISTEN connection is up.
    await a.listen(channel(), () => {});
    let heard!: () => void;
    const heardIt = new Promise<void>((resolve) => (heard = resolve));
    await b.listen(ch, (p) => p === 'decided' && heard());
    // Both of the sender's pooled connections (max 2) held in transactions until the other process
    // hears the notification, or for 3 s: a notification that waited for a pooled connection would
    // be heard only once they give up.
    const released: string[] = [];
    const hold = () =>
      a.transaction(async () => {
        released.push(await Promise.race([heardIt.then(() => 'heard'), new Promise<string>((r) => setTimeout(() => r('gave up'), 3000))]));
      });
    const holds = [hold(), hold()];
    await until(() => a.poolStats?.().idle === 0 && a.poolStats?.().total === 2);
    a.notify(ch, 'decided', true);
    await Promise.all(holds);
    expect(released).toEqual(['heard', 'heard']);
  });

  it('close sends what is still queued', async () => {
    const ch = channel();
    const a = await database();
    const raw = await rawListener(ch);
    a.notify(ch, 'first');
    a.notify(ch, 'second');
    await a.close();
    open.splice(open.indexOf(a), 1);
    await until(() => raw.length > 0);
    expect(raw.flatMap((n) => n.split('\n'))).toEqual(['first', 'second']);
  });

  it('refuses a payload that cannot travel joined with others', async () => {
    const a = await database();
    expect(() => a.notify(channel(), 'a\nb')).toThrow(/line break/);
    expect(() => a.notify(channel(), 'x'.repeat(8000))).toThrow(/7999 bytes/);
  });
});
