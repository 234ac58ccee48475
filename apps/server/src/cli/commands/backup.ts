import { chmod, open, rename, rm } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import type { Database } from '../../storage/database.ts';
import { required } from '../args.ts';
import { failed, ok, type CliResult } from '../result.ts';

export const BackupArgs = z.object({
  out: required().refine(isAbsolute, 'must be an absolute path (the command line makes it one)'),
});
export type BackupArgs = z.output<typeof BackupArgs>;

/**
 * Writes a consistent copy of the embedded database to `out`, whole or not at all (a temporary file
 * renamed into place), readable only by its owner: it holds password and key hashes and every request.
 * Runs inside the server that owns the data directory when one does (the admin socket), so the copy
 * is taken between two transactions of the live database; otherwise on the directory opened offline.
 */
export async function backupCommand(db: Database, args: BackupArgs): Promise<CliResult> {
  if (!db.dumpDataDir) {
    return failed('backup copies the embedded database; on PostgreSQL (DATABASE_URL) use pg_dump (see the README)');
  }
  const started = performance.now();
  const dump = await db.dumpDataDir();
  const tmp = `${args.out}.${process.pid}.tmp`;
  try {
    const file = await open(tmp, 'wx', 0o600);
    try {
      await file.writeFile(dump);
      await file.sync();
    } finally {
      await file.close();
    }
    await chmod(tmp, 0o600);
    await rename(tmp, args.out);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const ms = Math.round(performance.now() - started);
  return ok(`Backup written to ${args.out} (${dump.byteLength} bytes, ${ms} ms). Restore it with: greenlight-admin restore ${args.out}`);
}
