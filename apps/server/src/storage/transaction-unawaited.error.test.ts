/**
 * A statement a transaction issues and does not wait for (a read sent to come back with the COMMIT)
 * may fail after the code around it has finished. Postgres then answers the COMMIT with ROLLBACK, not
 * an error: the transaction must fail all the same, write nothing and announce nothing, on either
 * database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../testing/harness.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await openTestDatabase();
  await t.db.query('CREATE TABLE unawaited (id int PRIMARY KEY)');
}, 60_000);
afterAll(() => t?.drop(), 60_000);

describe('a transaction whose statement failed unawaited', () => {
  it.each([
    ['with an announcement someone holds for', true],
    ['with announcements only', false],
  ])('%s: fails with that statement’s error, writes nothing and announces nothing; the next one commits', async (_, urgent) => {
    await t.db.query('DELETE FROM unawaited');
    const heard: string[] = [];
    const unlisten = await t.db.listen('unawaited_test', (p) => heard.push(p));
    try {
      await expect(
        t.db.transaction(async (tx) => {
          await tx.query('INSERT INTO unawaited VALUES (1)');
          tx.notify('unawaited_test', 'never', urgent);
          tx.notify('unawaited_test', 'never either');
          void tx.query('SELECT 1 / 0').catch(() => {});
        }),
      ).rejects.toMatchObject({ code: '22012' });
      await t.db.transaction(async (tx) => {
        await tx.query('INSERT INTO unawaited VALUES (2)');
        tx.notify('unawaited_test', 'after', true);
      });
      expect((await t.db.query<{ id: number }>('SELECT id FROM unawaited ORDER BY id')).rows).toEqual([{ id: 2 }]);
      await expect.poll(() => heard.includes('after')).toBe(true);
      expect(heard).toEqual(['after']);
    } finally {
      await unlisten();
    }
  });
});
