/**
 * Vitest global setup of the test projects that run on the embedded database: one migrated PGlite
 * cluster, dumped to a file once per run, that every test database then starts from.
 *
 * Why: creating a PGlite cluster (its initdb) is most of its start-up, about three seconds on this
 * machine kind, and nearly every server test file opens at least one; starting from the dump takes
 * about half a second. The dump is made by the same `migrate` a server runs, in this very run, so
 * tests still run the schema and SQL functions of the sources; and `openTestDatabase` migrates again
 * after loading it (which then only re-applies the functions), as every server start does.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPgliteThread } from '../storage/pglite-thread.ts';
import { migrate } from '../storage/migrate.ts';

export const PGLITE_TEMPLATE_ENV = 'GREENLIGHT_TEST_PGLITE_TEMPLATE';

export default async function setup(): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-pglite-template-'));
  const file = join(dir, 'migrated.tar');
  const db = await openPgliteThread();
  try {
    await migrate(db);
    writeFileSync(file, await db.dumpDataDir!('none'));
  } finally {
    await db.close();
  }
  process.env[PGLITE_TEMPLATE_ENV] = file;
  return () => rmSync(dir, { recursive: true, force: true });
}
