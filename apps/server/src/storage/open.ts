import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../config.ts';
import type { Database } from './database.ts';
import { openPgliteThread } from './pglite-thread.ts';
import { openPostgres } from './postgres.ts';
import { migrate } from './migrate.ts';
import { lockDataDir } from './data-dir-lock.ts';

/** DATABASE_URL → Postgres; otherwise the embedded PGlite in GREENLIGHT_DATA_DIR. Migrations run before anything else. */
export async function openDatabase(config: Pick<Config, 'DATABASE_URL' | 'GREENLIGHT_DATA_DIR'>): Promise<Database> {
  let db: Database;
  if (config.DATABASE_URL) {
    db = await openPostgres({ connectionString: config.DATABASE_URL });
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
