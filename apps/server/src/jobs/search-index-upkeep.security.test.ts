import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPostgres } from '../storage/postgres.ts';
import { openTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../testing/harness.ts';
import { captureLogs } from '../testing/capture-logs.ts';
import { mergePendingLists, startSearchIndexUpkeep } from './search-index-upkeep.ts';

// Roles exist on Postgres only; PGlite runs every statement as its one owner.
const onPostgres = Boolean(TEST_DATABASE_URL);
let tdb: TestDatabase;
const role = `gl_upkeep_${randomBytes(4).toString('hex')}`;

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  if (!onPostgres) return;
  tdb = await openTestDatabase();
  await admin((c) => c.query(`CREATE ROLE ${role} LOGIN`));
}, 60_000);
afterAll(async () => {
  if (!onPostgres) return;
  await tdb.drop();
  await admin((c) => c.query(`DROP ROLE IF EXISTS ${role}`));
}, 60_000);

it.skipIf(!onPostgres)('a role that does not own the indexes is refused the merge; the job says so once and stops asking', async () => {
  const url = new URL(tdb.url!);
  url.username = role;
  const db = await openPostgres({ connectionString: url.toString(), max: 2 });
  try {
    await expect(mergePendingLists(db)).rejects.toMatchObject({ code: '42501' });
    const { logger, lines } = captureLogs();
    const job = startSearchIndexUpkeep(db, logger, 100);
    await new Promise((r) => setTimeout(r, 600));
    await job.stop();
    expect(lines.map((l) => [l.level, l.msg])).toEqual([[40, "this database role may not merge the search indexes' pending lists; inserts will merge them"]]);
    // The owner may: the refusal above was about the role, not the statement.
    expect(await mergePendingLists(tdb.db)).toBeGreaterThanOrEqual(0);
  } finally {
    await db.close();
  }
});
