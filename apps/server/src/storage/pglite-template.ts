/**
 * The embedded database's starting point: a PGlite data directory already created and migrated, made
 * once by the build (scripts/build.mjs runs dist/pglite-template.js) and copied into a data directory
 * that holds no database yet.
 *
 * Why: creating a cluster (PGlite's initdb, in WebAssembly) and migrating it is most of a first start
 * (about 7 and 1 s on this machine, plus a second to reopen the cluster on a fresh thread, which gives
 * back the memory initdb grew), while copying a migrated directory of ~40 MB takes a few hundred
 * milliseconds. A copy is started as any existing data directory is, and `migrate` runs on it as on
 * every start: whatever the template lacks (none of it, when it comes from the same sources) is applied
 * then, so a template can make a start faster, never different.
 *
 * The template is named by what it was made from (the PGlite version, and every migration's name and
 * text): a start finds only a template of its own migrations and PGlite, and otherwise creates the
 * cluster as before. The copy goes to a sibling directory first and is renamed into place, so a start
 * killed during the copy leaves no half database behind (the next start copies again).
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate, MIGRATIONS_DIR, sqlFiles } from './migrate.ts';
import { openPgliteThread } from './pglite-thread.ts';

/** Where the build keeps templates: beside the bundle it made them with. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../dist/pglite-template/', import.meta.url));

/** The PGlite package's version: a data directory is read only by the Postgres build that wrote it. */
function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === '@electric-sql/pglite') return pkg.version ?? 'unknown';
  }
  return 'unknown';
}

/** The name of the template these sources and this PGlite make. */
export function templateKey(): string {
  const hash = createHash('sha256').update(`pglite ${pgliteVersion()}\n`);
  for (const name of sqlFiles(MIGRATIONS_DIR)) hash.update(`${name}\n`).update(readFileSync(join(MIGRATIONS_DIR, name))).update('\n');
  return hash.digest('hex').slice(0, 24);
}

/** The template of these sources in `root`, or null when none was made. */
export function templatePath(root = TEMPLATES_DIR): string | null {
  const path = join(root, templateKey());
  return existsSync(join(path, 'PG_VERSION')) ? path : null;
}

/**
 * Makes the template of these sources in `root` unless it exists, and removes templates of other sources.
 * Written beside its place and renamed into it: a reader finds a whole template or none.
 */
export async function makeTemplate(root = TEMPLATES_DIR): Promise<{ path: string; made: boolean }> {
  const key = templateKey();
  const path = join(root, key);
  let made = false;
  if (!existsSync(join(path, 'PG_VERSION'))) {
    mkdirSync(root, { recursive: true });
    const work = mkdtempSync(join(root, '.making-'));
    try {
      const db = await openPgliteThread(join(work, 'data'));
      try {
        await migrate(db);
      } finally {
        await db.close();
      }
      rmSync(path, { recursive: true, force: true });
      renameSync(join(work, 'data'), path);
      made = true;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  for (const other of readdirSync(root)) {
    if (other !== key && !other.startsWith('.')) rmSync(join(root, other), { recursive: true, force: true });
  }
  return { path, made };
}

/**
 * Makes `dir` a copy of the template in `root` when it holds no database yet and a template of these
 * sources exists. True when it did. `dir` may exist, empty (a start that stopped before creating anything).
 * The caller holds the data directory's lock (data-dir-lock.ts).
 */
export function seedFromTemplate(dir: string, root = TEMPLATES_DIR): boolean {
  if (existsSync(join(dir, 'PG_VERSION'))) return false;
  const template = templatePath(root);
  if (!template) return false;
  if (existsSync(dir) && readdirSync(dir).length > 0) return false;
  // A copy that a killed start left is removed: the caller holds the data directory's lock, so no
  // other process is copying now.
  const prefix = `.${basename(dir)}.copying-`;
  for (const left of readdirSync(dirname(dir))) if (left.startsWith(prefix)) rmSync(join(dirname(dir), left), { recursive: true, force: true });
  const copy = join(dirname(dir), `${prefix}${process.pid}`);
  try {
    cpSync(template, copy, { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(copy, dir);
  } catch (err) {
    rmSync(copy, { recursive: true, force: true });
    throw err;
  }
  return true;
}
