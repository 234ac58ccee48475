import type { Config } from '../config.ts';
import { openDatabase } from '../storage/open.ts';
import type { WithDatabase } from './run-cli.ts';

/** Opens the configured database for one command and closes it afterwards, so the process can exit. */
export const directDatabase =
  (config: Config): WithDatabase =>
  async (fn) => {
    const db = await openDatabase(config);
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  };
