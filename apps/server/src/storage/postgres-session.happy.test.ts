/**
 * What every pooled Postgres session is started with (postgres.ts, SESSION_OPTIONS): JIT off, on a
 * plain query and inside a transaction alike, whichever connection of the pool answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../testing/harness.ts';
import type { Database } from './database.ts';
import { openPostgres } from './postgres.ts';

describe.skipIf(!TEST_DATABASE_URL)('a pooled Postgres session', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openPostgres({ connectionString: TEST_DATABASE_URL!, max: 3 });
  });
  afterAll(() => db?.close());

  it('runs without JIT on every connection of the pool', async () => {
    // Three at once take three connections.
    const settings = await Promise.all(
      [1, 2, 3].map(() => db.transaction(async (tx) => (await tx.query<{ jit: string; pid: number }>('SELECT current_setting($1) AS jit, pg_backend_pid() AS pid, pg_sleep(0.05)', ['jit'])).rows[0]!)),
    );
    expect(new Set(settings.map((s) => s.pid)).size).toBe(3);
    expect(settings.map((s) => s.jit)).toEqual(['off', 'off', 'off']);
    expect((await db.query<{ jit: string }>('SHOW jit')).rows[0]!.jit).toBe('off');
  });
});
