import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../testing/harness.ts';
import { migrate } from './migrate.ts';

const FUNCTIONS_DIR = fileURLToPath(new URL('./functions/', import.meta.url));

let t: TestDatabase;
beforeAll(async () => {
  t = await openTestDatabase();
}, 60_000);
afterAll(() => t.drop(), 60_000);

/** The functions the files of functions/ define, by name. */
function definedInFiles(): string[] {
  return readdirSync(FUNCTIONS_DIR)
    .filter((f) => f.endsWith('.sql'))
    .flatMap((f) => [...readFileSync(FUNCTIONS_DIR + f, 'utf8').matchAll(/CREATE OR REPLACE FUNCTION (\w+)\(/g)].map((m) => m[1]!))
    .sort();
}

describe('migrate', () => {
  it('applies each migration once, and the functions of functions/ on every run', async () => {
    expect(await migrate(t.db)).toEqual([]);
    // A function changed by hand is put back by the next migrate.
    await t.db.exec(`CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`);
    await migrate(t.db);
    const { rows } = await t.db.query<{ body: string }>(`SELECT prosrc AS body FROM pg_proc WHERE proname = 'events_append_only'`);
    expect(rows.map((r) => r.body.includes('append-only'))).toEqual([true]);
  });

  it('leaves exactly the functions of functions/, one signature each', async () => {
    const { rows } = await t.db.query<{ name: string }>(
      `SELECT p.proname AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' ORDER BY 1`,
    );
    expect(rows.map((r) => r.name)).toEqual(definedInFiles());
  });
});

describe('migrate, when a newer Greenlight has upgraded the database', () => {
  it('refuses, names the unknown migration, and leaves the newer functions in place', async () => {
    const other = await openTestDatabase();
    try {
      await other.db.query(`INSERT INTO schema_migrations (name) VALUES ('999_from_a_newer_version.sql')`);
      // What the newer version's function looks like: an older build must not put its own back.
      await other.db.exec(`CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`);
      await expect(migrate(other.db)).rejects.toThrow(
        /upgraded by a newer Greenlight \(it has migration 999_from_a_newer_version\.sql, which this version does not know\)/,
      );
      const { rows } = await other.db.query<{ body: string }>(`SELECT prosrc AS body FROM pg_proc WHERE proname = 'events_append_only'`);
      expect(rows.map((r) => r.body.includes('append-only'))).toEqual([false]);
    } finally {
      await other.drop();
    }
  }, 60_000);
});
