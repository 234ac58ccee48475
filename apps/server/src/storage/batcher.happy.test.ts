/**
 * The read batcher: asks made at the same moment share one statement, each gets its own answer, an
 * ask never joins a statement that started before it was made (so it sees what its caller committed),
 * batches respect their weight, and a failed batch fails only the ask that broke it. On the test
 * database (PGlite, or Postgres with GREENLIGHT_TEST_DATABASE_URL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../testing/harness.ts';
import { isDatabase, ReadBatcher } from './batcher.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await openTestDatabase();
  await t.db.query('CREATE TABLE batch_reads (k int PRIMARY KEY, v text NOT NULL)');
});
afterAll(() => t?.drop());

/** A batcher reading `batch_reads` by key, one statement per batch, counting its statements. */
function keyReader(maxInFlight = 4, maxWeight = 500) {
  const statements: number[][] = [];
  const batcher = new ReadBatcher<number, string | null>(
    async (keys) => {
      statements.push(keys);
      const { rows } = await t.db.query<{ ord: number; v: string | null }>(
        'SELECT x.ord::int AS ord, b.v FROM unnest($1::int[]) WITH ORDINALITY AS x (k, ord) LEFT JOIN batch_reads b ON b.k = x.k ORDER BY x.ord',
        [keys],
      );
      return rows.map((r) => r.v);
    },
    () => 1,
    maxInFlight,
    maxWeight,
  );
  return { batcher, statements };
}

describe('ReadBatcher', () => {
  it('asks of one moment share one statement, each answered with its own row', async () => {
    await t.db.query(`INSERT INTO batch_reads SELECT k, 'v' || k FROM generate_series(1, 20) k`);
    const { batcher, statements } = keyReader();
    const answers = await Promise.all([3, 1, 20, 7, 99].map((k) => batcher.ask(k)));
    expect(answers).toEqual(['v3', 'v1', 'v20', 'v7', null]);
    expect(statements).toEqual([[3, 1, 20, 7, 99]]);
  });

  it('an ask made while a statement runs goes in the next one, and sees what was committed before it was made', async () => {
    const { batcher, statements } = keyReader(1);
    const first = batcher.ask(101);
    // The first statement is on its way (sent on the next turn); this write commits after it started.
    await new Promise<void>((r) => setImmediate(r));
    await t.db.query(`INSERT INTO batch_reads VALUES (101, 'late')`);
    const second = batcher.ask(101);
    const [a, b] = await Promise.all([first, second]);
    expect(b).toBe('late');
    expect([null, 'late']).toContain(a);
    expect(statements).toEqual([[101], [101]]);
  });

  it('a batch holds at most its weight; the rest go in the next', async () => {
    const { batcher, statements } = keyReader(1, 3);
    const answers = await Promise.all([1, 2, 3, 4, 5, 6, 7].map((k) => batcher.ask(k)));
    expect(answers).toEqual(['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7']);
    expect(statements.map((s) => s.length)).toEqual([3, 3, 1]);
  });

  it('a batch whose statement fails is read again ask by ask: only the bad ask fails', async () => {
    const seen: string[][] = [];
    const batcher = new ReadBatcher<string, string>(async (ids) => {
      seen.push(ids);
      const { rows } = await t.db.query<{ id: string }>('SELECT x.id::text AS id FROM unnest($1::uuid[]) WITH ORDINALITY AS x (id, ord) ORDER BY x.ord', [ids]);
      return rows.map((r) => r.id);
    });
    const good = '00000000-0000-4000-8000-000000000001';
    const results = await Promise.allSettled([batcher.ask(good), batcher.ask('not-a-uuid'), batcher.ask(good)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[0] as PromiseFulfilledResult<string>).value).toBe(good);
    expect(seen).toEqual([[good, 'not-a-uuid', good], [good], ['not-a-uuid'], [good]]);
  });

  it('tells the database from a transaction on it', async () => {
    expect(isDatabase(t.db)).toBe(true);
    await t.db.transaction(async (tx) => {
      expect(isDatabase(tx)).toBe(false);
    });
  });
});
