/**
 * QueryOptions.followedBy on both storages: the follower runs on the statement's session right after
 * it has committed or failed, the caller has the statement's own answer (or error) whatever the
 * follower does, and the database goes on serving after a follower that failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../testing/harness.ts';

const CHANNEL = 'greenlight_followed_by_test';

let tdb: TestDatabase;
const heard: string[] = [];
let unlisten: () => Promise<void>;
beforeAll(async () => {
  tdb = await openTestDatabase();
  unlisten = await tdb.db.listen(CHANNEL, (p) => heard.push(p));
}, 60_000);
afterAll(async () => {
  await unlisten();
  await tdb.drop();
}, 60_000);

/** Notifies what the statement before it left in its session, and empties it. */
const TELL = {
  name: 'followed_by_test_tell',
  sql: `SELECT pg_notify('${CHANNEL}', coalesce(nullif(current_setting('greenlight.followed_by_test', true), ''), 'nothing')),
               set_config('greenlight.followed_by_test', '', false)`,
};

describe('followedBy', () => {
  it("runs on the statement's session once it has committed", async () => {
    const r = await tdb.db.query<{ v: string }>(`SELECT set_config('greenlight.followed_by_test', $1, false) AS v`, ['first'], { followedBy: TELL });
    expect(r.rows).toEqual([{ v: 'first' }]);
    await expect.poll(() => heard, { timeout: 5_000 }).toContain('first');
  });

  it('runs after a statement that failed, which rolled back what it set; the caller has its error', async () => {
    await expect(
      tdb.db.query(`SELECT set_config('greenlight.followed_by_test', 'rolled back', false), 1 / (SELECT 0) AS boom`, [], { followedBy: TELL }),
    ).rejects.toMatchObject({ code: '22012' });
    await expect.poll(() => heard, { timeout: 5_000 }).toContain('nothing');
    expect(heard).not.toContain('rolled back');
  });

  it("a follower that fails is not the caller's failure, and the database goes on serving", async () => {
    const broken = { name: 'followed_by_test_broken', sql: 'SELECT 1 / (SELECT 0)' };
    for (let i = 0; i < 3; i++) {
      const r = await tdb.db.query<{ n: number }>('SELECT $1::int AS n', [i], { followedBy: broken });
      expect(r.rows).toEqual([{ n: i }]);
    }
    expect((await tdb.db.query<{ ok: number }>('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
  });

  it("is refused inside a transaction, whose statements commit with it", async () => {
    await expect(tdb.db.transaction((tx) => tx.query('SELECT 1', [], { followedBy: TELL }))).rejects.toThrow(/database itself/);
  });
});
