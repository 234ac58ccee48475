import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import { DataDirBusyError, lockDataDir } from '../../storage/data-dir-lock.ts';
import { required } from '../args.ts';
import { failed, ok, type CliResult } from '../result.ts';

export const RestoreArgs = z.object({
  file: required().refine(isAbsolute, 'must be an absolute path (the command line makes it one)'),
});
export type RestoreArgs = z.output<typeof RestoreArgs>;

/**
 * Loads a backup into GREENLIGHT_DATA_DIR. Only into a directory that holds no database yet: it
 * never replaces data, and it takes the directory's lock for the time of the load, so it refuses a
 * directory a server owns (also when the command reaches that server through its admin socket, whose
 * own lock it is). Migrations run when the server next starts, so an older backup is brought up to date.
 */
export async function restoreCommand(config: Config, args: RestoreArgs): Promise<CliResult> {
  if (config.DATABASE_URL) return failed('restore loads the embedded database; on PostgreSQL (DATABASE_URL) use pg_restore (see the README)');
  const root = resolve(config.GREENLIGHT_DATA_DIR);
  const dir = resolve(root, 'pglite');
  if (!existsSync(args.file)) return failed(`no such file: ${args.file}`);
  mkdirSync(root, { recursive: true });
  let unlock: () => void;
  try {
    unlock = lockDataDir(root);
  } catch (err) {
    if (err instanceof DataDirBusyError) return failed(`${err.message}: stop it, or restore into a fresh GREENLIGHT_DATA_DIR`);
    throw err;
  }
  try {
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      return failed(`${root} already holds a database: restore into a fresh GREENLIGHT_DATA_DIR (or move ${dir} away first)`);
    }
    const started = performance.now();
    const data = await readFile(args.file);
    try {
      // Imported here: the server runs this command through its admin socket, and the embedded
      // database's module would otherwise be held in every server's main thread (its own runs on a worker).
      const { PGlite } = await import('@electric-sql/pglite');
      const pg = await PGlite.create(dir, { loadDataDir: new Blob([data]) });
      try {
        const { rows } = await pg.query<{ present: boolean }>("SELECT to_regclass('public.approvals') IS NOT NULL AS present");
        if (!rows[0]?.present) throw new Error('it holds no Greenlight database');
      } finally {
        await pg.close();
      }
    } catch (err) {
      // Nothing half-loaded stays behind: the directory was empty before.
      await rm(dir, { recursive: true, force: true });
      return failed(`${args.file} could not be restored: ${err instanceof Error ? err.message : String(err)}`);
    }
    return ok(`Restored ${args.file} into ${root} in ${Math.round(performance.now() - started)} ms. Start Greenlight with GREENLIGHT_DATA_DIR=${root}.`);
  } finally {
    unlock();
  }
}
