import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../storage/database.ts';
import { openDatabase } from '../storage/open.ts';
import { openTestDatabase, TEST_DATABASE_URL, type TestDatabase } from './harness.ts';
import { copyTemplateTo } from './pglite-template.ts';

/**
 * Storage for servers run as child processes (spawn-server.ts): a fresh data directory, and a fresh
 * Postgres database when the tests run on one, seeded before any server process opens it (one process
 * owns a PGlite directory).
 */
export interface ProcessStorage {
  /** What a spawned server opens: GREENLIGHT_DATA_DIR, and DATABASE_URL on Postgres. */
  readonly env: { GREENLIGHT_DATA_DIR: string; DATABASE_URL?: string };
  /** The test's Postgres, readable while servers run; null on the embedded database. */
  readonly live: Database | null;
  /** Runs `fn` on the database: the test's Postgres, or the data directory's, opened for the call while no server holds it. */
  read<T>(fn: (db: Database) => Promise<T>): Promise<T>;
  drop(): Promise<void>;
}

export async function processStorage(prefix: string, seed: (db: Database) => Promise<void>): Promise<ProcessStorage> {
  const dataDir = mkdtempSync(join(tmpdir(), `greenlight-${prefix}-`));
  const postgres: TestDatabase | undefined = TEST_DATABASE_URL ? await openTestDatabase() : undefined;
  const openDir = () => openDatabase({ GREENLIGHT_DATA_DIR: dataDir, DATABASE_URL: undefined });
  const read = async <T>(fn: (db: Database) => Promise<T>): Promise<T> => {
    if (postgres) return fn(postgres.db);
    const db = await openDir();
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  };
  // The run's migrated cluster (pglite-template.ts), copied where the server keeps its database,
  // instead of creating one: the server then opens and migrates it as it would any existing one.
  if (!postgres) await copyTemplateTo(join(dataDir, 'pglite'));
  await read(seed);
  return {
    env: { GREENLIGHT_DATA_DIR: dataDir, ...(postgres ? { DATABASE_URL: postgres.url! } : {}) },
    live: postgres?.db ?? null,
    read,
    async drop() {
      await postgres?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
