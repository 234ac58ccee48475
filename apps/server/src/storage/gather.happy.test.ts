/**
 * Reads flagged `gather` (QueryOptions) issued in one burst of the process's work share one pooled
 * connection and leave in one write (postgres.ts runGathered): the waiters one notification wakes read
 * on one backend instead of one each. Seen from a TCP relay between the pool and Postgres, and from
 * the backend each statement ran on. Each still answers or fails on its own, with `generic` and
 * `behind` as without, and the pool is whole afterwards.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../testing/harness.ts';
import { useRelayedPostgres } from '../testing/tcp-relay.ts';
import type { Database, Queryable } from './database.ts';

describe.skipIf(!TEST_DATABASE_URL)('gathered reads on Postgres', () => {
  /** Writes the pool sent to Postgres, counted at the relay. */
  let writes = 0;
  const relayed = useRelayedPostgres(4, (from) => {
    if (from === 'c') writes++;
  });
  let db: Database;
  beforeAll(async () => {
    db = relayed.db;
    // Every connection of the pool open and idle: a read then never waits for a connect.
    await Promise.all([1, 2, 3, 4].map(() => db.query('SELECT pg_sleep(0.05)')));
  }, 60_000);

  const pid = (q: Queryable, name?: string) =>
    q.query<{ pid: number }>('SELECT pg_backend_pid() AS pid', [], { gather: true, ...(name && { prepare: name, generic: true }) }).then((r) => r.rows[0]!.pid);
  /** A continuation a few awaits away, as a woken waiter's read is. */
  const later = async <T>(f: () => Promise<T>): Promise<T> => {
    await null;
    await Promise.resolve();
    return f();
  };

  it('reads issued in one burst, some in continuations, run on one backend and leave in one write', async () => {
    writes = 0;
    const pids = await Promise.all([pid(db), later(() => pid(db)), later(() => pid(db, 'gather_pid_generic')), pid(db)]);
    expect(new Set(pids).size).toBe(1);
    expect(writes).toBe(1);
  });

  it('reads of different turns of the event loop go on their own', async () => {
    const first = pid(db);
    const second = new Promise<number>((resolve, reject) => setImmediate(() => pid(db).then(resolve, reject)));
    const third = new Promise<number>((resolve, reject) => setTimeout(() => pid(db).then(resolve, reject), 5));
    // Each burst had a connection of its own, given back before the next: the pool may hand out the same one again.
    expect(await Promise.all([first, second, third])).toHaveLength(3);
    expect(db.poolStats!().waiting).toBe(0);
  });

  it('a failing read fails alone: the others of its burst answer', async () => {
    const [ok1, bad, ok2] = await Promise.allSettled([
      db.query('SELECT 1 AS one', [], { gather: true }),
      db.query('SELECT 1 / 0 AS boom', [], { gather: true }),
      later(() => db.query<{ two: number }>('SELECT 2 AS two', [], { gather: true })),
    ]);
    expect(ok1.status).toBe('fulfilled');
    expect(bad.status).toBe('rejected');
    expect((bad as PromiseRejectedResult).reason).toMatchObject({ code: '22012' });
    expect(ok2.status === 'fulfilled' && ok2.value.rows[0]!.two).toBe(2);
  });

  it('a read whose value cannot even be sent fails alone, and the pool stays whole', async () => {
    const unsendable = { toPostgres: () => { throw new Error('no text for this value'); } };
    const [ok1, bad, ok2] = await Promise.allSettled([
      db.query('SELECT 1 AS one', [], { gather: true }),
      db.query('SELECT $1::text AS x', [unsendable], { gather: true }),
      later(() => db.query<{ two: number }>('SELECT 2 AS two', [], { gather: true })),
    ]);
    expect(ok1.status).toBe('fulfilled');
    expect(bad.status).toBe('rejected');
    expect(ok2.status === 'fulfilled' && ok2.value.rows[0]!.two).toBe(2);
    await Promise.all([1, 2, 3, 4, 5, 6].map(() => pid(db)));
    expect(db.poolStats!().waiting).toBe(0);
  });

  it('what a gathered read sends behind it runs on the same backend, after it', async () => {
    let behindPid: Promise<number> | undefined;
    const [own, other] = await Promise.all([
      db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid', [], {
        gather: true,
        behind: (on) => (behindPid = on.query<{ pid: number }>('SELECT pg_backend_pid() AS pid').then((r) => r.rows[0]!.pid)),
      }),
      pid(db),
    ]);
    expect(await behindPid).toBe(own.rows[0]!.pid);
    expect(other).toBe(own.rows[0]!.pid);
  });

  it('leaves the pool whole: reads in forty bursts of one to six, then every connection idle', async () => {
    for (let burst = 1; burst <= 40; burst++) {
      const reads = Array.from({ length: burst % 7 || 1 }, (_, i) => (i % 2 ? later(() => pid(db, 'gather_pid_generic')) : pid(db)));
      await Promise.all(reads);
    }
    const stats = db.poolStats!();
    expect(stats.waiting).toBe(0);
    expect(stats.idle).toBe(stats.total);
    // The generic reads' setting was reset on every connection it was set on.
    const modes = await Promise.all([1, 2, 3, 4].map(() => db.query<{ m: string }>("SELECT current_setting('plan_cache_mode') AS m, pg_sleep(0.02)").then((r) => r.rows[0]!.m)));
    expect(new Set(modes)).toEqual(new Set(['auto']));
  });
});
