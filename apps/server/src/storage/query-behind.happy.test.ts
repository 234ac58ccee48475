/**
 * Statements sent behind another on its connection (QueryOptions.behind), on either database: they
 * run once it has committed, in its session, and read what it wrote; its answer does not wait for
 * theirs; a failure on either side is its own; the connection goes back to the pool.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../testing/harness.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await openTestDatabase();
  await t.db.query('CREATE TABLE behind_test (id int PRIMARY KEY, pid int NOT NULL)');
}, 60_000);
afterAll(() => t?.drop(), 60_000);

it('reads sent behind an insert run in its session once it committed, and its answer comes first', async () => {
  const order: string[] = [];
  let reads: Promise<{ rows: Array<{ id: number; pid: number; same: boolean }> }> | undefined;
  const inserted = await t.db.query<{ pid: number }>('INSERT INTO behind_test VALUES (1, pg_backend_pid()) RETURNING pid', [], {
    behind: (on) => {
      // Slow on purpose: the answer must not wait for it.
      reads = on.query<{ id: number; pid: number; same: boolean }>('SELECT id, pid, pid = pg_backend_pid() AS same FROM behind_test, pg_sleep(0.2) WHERE id = 1');
      void reads.then(() => order.push('read'));
      return reads;
    },
  });
  order.push('answer');
  expect(inserted.rows).toHaveLength(1);
  const read = await reads!;
  expect(read.rows).toEqual([{ id: 1, pid: inserted.rows[0]!.pid, same: true }]);
  expect(order).toEqual(['answer', 'read']);
});

it('a failed statement is the caller’s error while what went behind it still runs; a failed read behind fails only itself', async () => {
  let behindFailed: Promise<unknown> | undefined;
  await expect(
    t.db.query('INSERT INTO behind_test VALUES (1, 0)', [], {
      behind: (on) => on.query<{ n: number }>('SELECT count(*)::int AS n FROM behind_test'),
    }),
  ).rejects.toMatchObject({ code: '23505' });
  const ok = await t.db.query('INSERT INTO behind_test VALUES (2, 0)', [], {
    behind: (on) => (behindFailed = on.query('SELECT 1 / 0').catch((err: unknown) => err)),
  });
  expect(ok.rowCount).toBe(1);
  expect(await behindFailed).toMatchObject({ code: '22012' });
  expect((await t.db.query<{ id: number }>('SELECT id FROM behind_test ORDER BY id')).rows).toEqual([{ id: 1 }, { id: 2 }]);
});

it('what throws before it sends anything behind fails only itself: the statement is answered and written', async () => {
  const answered = await t.db.query<{ id: number }>('INSERT INTO behind_test VALUES (3, 0) RETURNING id', [], {
    behind: () => {
      throw new Error('nothing sent');
    },
  });
  expect(answered.rows).toEqual([{ id: 3 }]);
  await t.db.query('DELETE FROM behind_test WHERE id = 3');
});

it('each connection goes back to the pool once what went behind it settled', async () => {
  for (let i = 0; i < 40; i++) {
    let settled: Promise<unknown> | undefined;
    await t.db.query('SELECT 1', [], { behind: (on) => (settled = on.query('SELECT $1::int AS i', [i])) });
    await settled;
  }
  expect((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM behind_test')).rows).toEqual([{ n: 2 }]);
});

it('is refused inside a transaction: what is sent behind commits on its own', async () => {
  await expect(t.db.transaction((tx) => tx.query('SELECT 1', [], { behind: async () => {} }))).rejects.toThrow(/behind/);
});
