import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/**
 * Applies pending migrations in file-name order, all in one transaction: a database is at one version
 * or the next, never between (and a fresh one is set up in one commit, not one per file: a few
 * hundred milliseconds of the embedded cold start, bench P5). An advisory lock makes several
 * processes starting together on one Postgres apply each file once.
 */
export async function migrate(db: Database): Promise<string[]> {
  const files = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort();
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
    for (const name of files) {
      if (done.has(name)) continue;
      await tx.exec(readFileSync(MIGRATIONS_DIR + name, 'utf8'));
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
      applied.push(name);
    }
  });
  return applied;
}
