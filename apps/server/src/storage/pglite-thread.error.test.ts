/**
 * The embedded database's thread answers every request, whatever it carried: a value that cannot
 * cross the message boundary (too deep for the structured clone on the other side) rejects its own
 * request instead of leaving it waiting forever, and the thread keeps serving the next one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgliteThread } from './pglite-thread.ts';
import type { Database } from './database.ts';
import { TEST_DATABASE_URL } from '../testing/harness.ts';
import { TEST_SHARED_BUFFERS } from '../testing/pglite-template.ts';

let db: Database;

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

function deepText(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

function depthOf(doc: unknown): number {
  let n = 0;
  for (let d = doc; typeof d === 'object' && d !== null; d = (d as { a: unknown }).a) n++;
  return n;
}

/** Fails the test instead of hanging it when a request never gets its answer. */
function settlesWithin<T>(p: Promise<T>, ms = 10_000): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('no answer from the thread')), ms))]);
}

describe.skipIf(TEST_DATABASE_URL)('PGlite on its own thread: requests that cannot cross the boundary', () => {
  beforeAll(async () => {
    db = await openPgliteThread(undefined, { sharedBuffers: TEST_SHARED_BUFFERS });
    await db.exec('CREATE TABLE deep (id int PRIMARY KEY, doc jsonb)');
  }, 60_000);
  afterAll(async () => {
    await db.close();
  });

  it('stores and reads back JSON nested 2,000 deep, as Postgres does, in and out of a transaction', async () => {
    await settlesWithin(db.query('INSERT INTO deep VALUES ($1, $2::jsonb)', [1, deepText(2_000)]));
    const { rows } = await settlesWithin(db.query<{ id: number; doc: unknown }>('SELECT id, doc FROM deep ORDER BY id'));
    expect(rows.map((r) => r.id)).toEqual([1]);
    expect(depthOf(rows[0]!.doc)).toBe(2_000);
    const inTx = await settlesWithin(db.transaction((tx) => tx.query<{ doc: unknown }>('SELECT doc FROM deep WHERE id = 1')));
    expect(depthOf(inTx.rows[0]!.doc)).toBe(2_000);
  });

  it('refuses JSON nested deeper than PGlite can parse (Postgres says "stack depth limit exceeded") and stays usable', async () => {
    for (const depth of [7_000, 20_000]) {
      const err = await settlesWithin(db.query('INSERT INTO deep VALUES ($1, $2::jsonb)', [depth, deepText(depth)]).catch((e: unknown) => e));
      expect(err).toMatchObject({ code: '54001' });
      await expect(
        settlesWithin(db.transaction((tx) => tx.query('INSERT INTO deep VALUES ($1, $2::jsonb)', [depth + 1, deepText(depth)]))),
      ).rejects.toMatchObject({ code: '54001' });
    }
    await settlesWithin(db.query('INSERT INTO deep VALUES (3, $1::jsonb)', ['{"after":true}']));
    const { rows } = await settlesWithin(db.query<{ id: number }>('SELECT id FROM deep ORDER BY id'));
    expect(rows.map((r) => r.id)).toEqual([1, 3]);
  });

  it('rejects a request whose parameters cannot be sent to the thread, and answers the next one', async () => {
    const err = await settlesWithin(db.query('SELECT $1::jsonb AS v', [nested(100_000)]).catch((e: unknown) => e));
    expect(err).toBeInstanceOf(Error);
    await expect(settlesWithin(db.transaction((tx) => tx.query('SELECT $1::jsonb AS v', [nested(100_000)])))).rejects.toBeInstanceOf(Error);
    expect((await settlesWithin(db.query<{ n: number }>('SELECT 1 AS n'))).rows).toEqual([{ n: 1 }]);
  });
});
