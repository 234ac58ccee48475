import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirBusyError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`another Greenlight process (pid ${pid}) owns the data directory ${dir}`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of the live process that holds the directory's lock, if any. */
export function dataDirOwner(dir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dir, 'greenlight.lock'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/**
 * PGlite must be opened by one process at a time: two would write the same files and corrupt them.
 * The lock is a file created with O_EXCL holding the owner's pid. A lock left by a process that died
 * (SIGKILL, power loss) is reclaimed, since its pid no longer runs. Does not guard against a reused
 * pid of an unrelated process; then the operator removes `greenlight.lock` by hand.
 */
export function lockDataDir(dir: string): () => void {
  const path = join(dir, 'greenlight.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (readFileSync(path, 'utf8') === String(process.pid)) unlinkSync(path);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner = NaN;
      try {
        owner = Number(readFileSync(path, 'utf8').trim());
      } catch {
        continue; // removed between our open and read: try again
      }
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) throw new DataDirBusyError(dir, owner);
      try {
        unlinkSync(path);
      } catch {
        // another process reclaimed it first; the next attempt decides
      }
    }
  }
  throw new Error(`could not take the lock on ${dir}`);
}
