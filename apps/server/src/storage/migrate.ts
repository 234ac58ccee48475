import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const FUNCTIONS_DIR = fileURLToPath(new URL('./functions/', import.meta.url));

/** The database has a migration this build does not have: a newer Greenlight upgraded it. */
export class NewerDatabaseError extends Error {}

export const sqlFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();

/**
 * Brings a database to the current schema and functions, all in one transaction: a database is at one
 * version or the next, never between (and a fresh one is set up in one commit, not one per file: a
 * few hundred milliseconds of the embedded cold start).
 *
 * - Migrations (`migrations/`) hold schema changes only. Each is applied once, in file-name order.
 * - Functions and triggers (`functions/`, one file per function with its triggers) are the current
 *   source of the SQL the server calls: every migrate applies them all with CREATE OR REPLACE, after
 *   the migrations, so a change to one is a change to its file, never a new copy in a migration. A
 *   change of a function's arguments or result needs a migration that drops the old one first.
 *
 * An advisory lock makes several processes starting together on one Postgres do this one at a time.
 *
 * A rolling upgrade starts new processes while old ones run. The first new one migrates; the old ones
 * keep serving (migrations only add, so the schema they read is still there). An old process that
 * restarts then would put its older functions back over the new ones, so it refuses to start instead:
 * a database that has a migration this build does not know was upgraded by a newer Greenlight.
 */
export async function migrate(db: Database): Promise<string[]> {
  const applied: string[] = [];
  await db.query(
    'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
  ).catch(async (err) => {
    // Two processes racing on CREATE TABLE IF NOT EXISTS can collide on the catalog; the loser retries once.
    if ((err as { code?: string }).code !== '23505') throw err;
  });
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(7215001)');
    const done = new Set((await tx.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    const known = sqlFiles(MIGRATIONS_DIR);
    const unknown = [...done].filter((name) => !known.includes(name)).sort();
    if (unknown.length > 0) {
      throw new NewerDatabaseError(
        `the database was upgraded by a newer Greenlight (it has migration ${unknown.join(', ')}, which this version does not know): run that version or a later one`,
      );
    }
    for (const name of known) {
      if (done.has(name)) continue;
      await tx.exec(readFileSync(MIGRATIONS_DIR + name, 'utf8'));
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
      applied.push(name);
    }
    await tx.exec(sqlFiles(FUNCTIONS_DIR).map((name) => readFileSync(FUNCTIONS_DIR + name, 'utf8')).join('\n'));
  });
  return applied;
}
