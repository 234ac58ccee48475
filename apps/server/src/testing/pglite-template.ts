/**
 * Vitest global setup of the test projects that run on the embedded database: one migrated PGlite
 * cluster per run, that every test database then starts from.
 *
 * Why: creating a PGlite cluster (its initdb) and migrating it costs seconds, and nearly every server
 * test file opens at least one database. The template is made by the same `migrate` a server runs, in
 * this very run, so tests still run the schema and SQL functions of the sources.
 *
 * Where memory is a file system (/dev/shm on Linux), the template is a data directory there, and a
 * test database is a copy of it, opened as `pnpm start` opens its data directory: copying and opening
 * takes well under a second, where loading a dump into PGlite's in-memory file system takes about two
 * (the dump holds a whole 16 MB WAL segment that the in-memory file system copies byte by byte). On a
 * disk every commit of a data directory would wait for its flush, so elsewhere the template is a dump
 * that test databases load into memory.
 */
import { cpSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPgliteThread } from '../storage/pglite-thread.ts';
import { migrate } from '../storage/migrate.ts';
import type { Database } from '../storage/database.ts';
import { sharedPerRun } from './run-shared.ts';

export const PGLITE_TEMPLATE_ENV = 'GREENLIGHT_TEST_PGLITE_TEMPLATE';

/**
 * The buffer pool of a test's embedded database (GREENLIGHT_PGLITE_SHARED_BUFFERS). PGlite zeroes its
 * 128 MB default at every start, about half of opening a copy of the template, and a test file's
 * database holds a few MB.
 */
export const TEST_SHARED_BUFFERS = '16MB';

const MEMORY_FS = '/dev/shm';

export default async function setup(): Promise<() => Promise<void>> {
  const { value, teardown } = await sharedPerRun('pglite-template', makeTemplate, (made) => made.remove());
  process.env[PGLITE_TEMPLATE_ENV] = value.path;
  return teardown;
}

async function makeTemplate(): Promise<{ path: string; remove(): void }> {
  const onMemoryFs = existsSync(MEMORY_FS) && statSync(MEMORY_FS).isDirectory();
  const run = mkdtempSync(join(onMemoryFs ? MEMORY_FS : tmpdir(), 'greenlight-pglite-template-'));
  const template = onMemoryFs ? join(run, 'template') : join(run, 'migrated.tar');
  const db = await openPgliteThread(onMemoryFs ? template : undefined, { sharedBuffers: TEST_SHARED_BUFFERS });
  try {
    await migrate(db);
    if (!onMemoryFs) writeFileSync(template, await db.dumpDataDir!('none'));
  } finally {
    await db.close();
  }
  // The copies of test files that did not drop theirs (a run cut short) go with the run's folder.
  return { path: template, remove: () => rmSync(run, { recursive: true, force: true }) };
}

/**
 * A database started from the run's template, or null when this project made none. It is not migrated
 * again: the template was migrated by this run's sources.
 */
export async function openFromTemplate(): Promise<{ db: Database; drop(): Promise<void> } | null> {
  const template = process.env[PGLITE_TEMPLATE_ENV];
  if (!template) return null;
  if (template.endsWith('.tar')) {
    const db = await openPgliteThread(undefined, { loadDataDir: template, sharedBuffers: TEST_SHARED_BUFFERS });
    return { db, drop: () => db.close() };
  }
  const dir = mkdtempSync(join(template, '..', 'db-'));
  try {
    await copyTemplateTo(dir);
    const db = await openPgliteThread(dir, { sharedBuffers: TEST_SHARED_BUFFERS });
    return {
      db,
      async drop() {
        try {
          await db.close();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Makes `dir` (which must hold no database yet) a copy of the run's template, as `pnpm start` would
 * find an existing data directory there. False when this project made no template.
 */
export async function copyTemplateTo(dir: string): Promise<boolean> {
  const template = process.env[PGLITE_TEMPLATE_ENV];
  if (!template) return false;
  if (template.endsWith('.tar')) await (await openPgliteThread(dir, { loadDataDir: template, sharedBuffers: TEST_SHARED_BUFFERS })).close();
  else cpSync(template, dir, { recursive: true });
  return true;
}
