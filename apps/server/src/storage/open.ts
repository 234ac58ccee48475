import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../config.ts';
import type { Database } from './database.ts';
import { openPgliteThread } from './pglite-thread.ts';
import { openPostgres } from './postgres.ts';
import { migrate } from './migrate.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { seedFromTemplate } from './pglite-template.ts';

/**
 * DATABASE_URL → Postgres; otherwise the embedded PGlite in GREENLIGHT_DATA_DIR (a new one copied from
 * the build's migrated template when there is one: pglite-template.ts). Migrations run before anything else.
 */
export async function openDatabase(
  config: Pick<Config, 'DATABASE_URL' | 'GREENLIGHT_DATA_DIR'> &
    Partial<Pick<Config, 'GREENLIGHT_DB_POOL_MAX' | 'GREENLIGHT_DB_POOL_IDLE_MS' | 'GREENLIGHT_PGLITE_SHARED_BUFFERS'>>,
): Promise<Database> {
  if (config.DATABASE_URL) {
    const db = await openPostgres({ connectionString: config.DATABASE_URL, max: config.GREENLIGHT_DB_POOL_MAX, idleMs: config.GREENLIGHT_DB_POOL_IDLE_MS });
    return migrated(db);
  }
  const root = resolve(config.GREENLIGHT_DATA_DIR);
  const dir = resolve(root, 'pglite');
  mkdirSync(dir, { recursive: true });
  const unlock = lockDataDir(root);
  const options = { sharedBuffers: config.GREENLIGHT_PGLITE_SHARED_BUFFERS };
  try {
    // A new data directory starts as a copy of the build's migrated template, when there is one.
    seedFromTemplate(dir);
    let pglite = await openPgliteThread(dir, options);
    let applied: string[];
    try {
      applied = await migrate(pglite);
    } catch (err) {
      await pglite.close();
      throw err;
    }
    if (applied.length > 0) {
      // Creating a cluster (initdb) and migrating it grow PGlite's WebAssembly memory to several
      // hundred MB that a WebAssembly instance never gives back: the thread that did it ends, and the
      // server runs on a new one that opens the migrated directory (about half the memory at rest).
      await pglite.close();
      pglite = await openPgliteThread(dir, options);
    }
    const opened = pglite;
    return {
      ...opened,
      close: async () => {
        try {
          await opened.close();
        } finally {
          unlock();
        }
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}

async function migrated(db: Database): Promise<Database> {
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
