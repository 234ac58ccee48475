import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../config.ts';
import type { Database } from './database.ts';
import { openPgliteThread } from './pglite-thread.ts';
import { openPostgres } from './postgres.ts';
import { migrate } from './migrate.ts';
import { lockDataDir } from './data-dir-lock.ts';

/** DATABASE_URL → Postgres; otherwise the embedded PGlite in GREENLIGHT_DATA_DIR. Migrations run before anything else. */
export async function openDatabase(
  config: Pick<Config, 'DATABASE_URL' | 'GREENLIGHT_DATA_DIR'> & Partial<Pick<Config, 'GREENLIGHT_DB_POOL_MAX' | 'GREENLIGHT_DB_POOL_IDLE_MS'>>,
): Promise<Database> {
  let db: Database;
  if (config.DATABASE_URL) {
    db = await openPostgres({ connectionString: config.DATABASE_URL, max: config.GREENLIGHT_DB_POOL_MAX, idleMs: config.GREENLIGHT_DB_POOL_IDLE_MS });
  } else {
    const root = resolve(config.GREENLIGHT_DATA_DIR);
    const dir = resolve(root, 'pglite');
    mkdirSync(dir, { recursive: true });
    const unlock = lockDataDir(root);
    try {
      const pglite = await openPgliteThread(dir);
      db = {
        ...pglite,
        close: async () => {
          try {
            await pglite.close();
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
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
