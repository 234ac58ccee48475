/**
 * A database with the schema as it was before a migration: every migration whose file name sorts
 * before `before`, applied as migrate applies them and recorded in schema_migrations, so that
 * `migrate` then applies that one and whatever came after it. For the tests of migrations that
 * upgrade data in place.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openEmptyTestDatabase, type TestDatabase } from './harness.ts';

const MIGRATIONS = fileURLToPath(new URL('../storage/migrations/', import.meta.url));

/** The migrations' file names, in the order migrate applies them. */
export const migrationNames = (): string[] => readdirSync(MIGRATIONS).filter((f) => f.endsWith('.sql')).sort();

export async function openMigratedBefore(before: string): Promise<TestDatabase> {
  const opened = await openEmptyTestDatabase();
  try {
    await opened.db.query('CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    for (const name of migrationNames().filter((f) => f < before)) {
      await opened.db.exec(readFileSync(MIGRATIONS + name, 'utf8'));
      await opened.db.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
    }
    return opened;
  } catch (err) {
    await opened.drop();
    throw err;
  }
}
