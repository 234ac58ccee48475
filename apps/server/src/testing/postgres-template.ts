/**
 * Vitest global setup of the test projects that run on Postgres (GREENLIGHT_TEST_DATABASE_URL): one
 * database migrated once per run, that every test database is then created from (`CREATE DATABASE …
 * TEMPLATE`), as the PGlite projects start from pglite-template.ts.
 *
 * Why: creating a database and migrating it takes most of a second, and every server test file opens
 * one; a copy of a migrated one takes a twentieth of that. The template is migrated by the same
 * `migrate` a server runs, in this very run, so tests still run the schema and SQL functions of the
 * sources. Without GREENLIGHT_TEST_DATABASE_URL this does nothing.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgres } from '../storage/postgres.ts';
import { migrate } from '../storage/migrate.ts';
import { sharedPerRun } from './run-shared.ts';

export const POSTGRES_TEMPLATE_ENV = 'GREENLIGHT_TEST_POSTGRES_TEMPLATE';

export default async function setup(): Promise<() => Promise<void>> {
  const url = process.env.GREENLIGHT_TEST_DATABASE_URL;
  if (!url) return async () => {};
  const { value, teardown } = await sharedPerRun('postgres-template', () => makeTemplate(url), (made) => made.drop());
  process.env[POSTGRES_TEMPLATE_ENV] = value.name;
  return teardown;
}

async function makeTemplate(url: string): Promise<{ name: string; drop(): Promise<void> }> {
  const name = `gl_template_${process.pid}_${randomBytes(4).toString('hex')}`;
  await onServer(url, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const at = new URL(url);
  at.pathname = `/${name}`;
  // Closed before any test copies it: Postgres copies a template only while nobody is connected to it.
  const db = await openPostgres({ connectionString: at.toString(), max: 1 });
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
  return { name, drop: () => onServer(url, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined) };
}

/** Runs `fn` on a client of the test Postgres's server (creating and dropping databases), then ends it. */
export async function onServer<T>(url: string, fn: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}
