/**
 * The embedded database's migrated template (pglite-template.ts): made once from the migrations, and a
 * new data directory started from it is the database a first start would have created and migrated.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTemplate, seedFromTemplate, templateKey, templatePath } from './pglite-template.ts';
import { migrate, MIGRATIONS_DIR, sqlFiles } from './migrate.ts';
import { openPgliteThread } from './pglite-thread.ts';
import { openDatabase } from './open.ts';
import { TEST_DATABASE_URL } from '../testing/harness.ts';
import { TEST_SHARED_BUFFERS } from '../testing/pglite-template.ts';

let work: string;
let root: string;

describe.skipIf(TEST_DATABASE_URL)('the embedded database starts from the build’s migrated template', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'greenlight-template-'));
    root = join(work, 'templates');
    // A template of other sources (another migration, another PGlite), as an older build left it.
    mkdirSync(join(root, 'older0123456789abcdef0123'), { recursive: true });
    writeFileSync(join(root, 'older0123456789abcdef0123', 'PG_VERSION'), '17\n');
    const first = await makeTemplate(root);
    expect(first.made).toBe(true);
  }, 120_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('is made once, named by its sources, and the templates of other sources are removed', async () => {
    expect(templatePath(root)).toBe(join(root, templateKey()));
    expect(await makeTemplate(root)).toEqual({ path: join(root, templateKey()), made: false });
    expect(readdirSync(root)).toEqual([templateKey()]);
  });

  it('a new data directory copied from it holds every migration and the server’s functions', async () => {
    const dir = join(work, 'new', 'pglite');
    mkdirSync(dir, { recursive: true });
    expect(seedFromTemplate(dir, root)).toBe(true);
    const db = await openPgliteThread(dir, { sharedBuffers: TEST_SHARED_BUFFERS });
    try {
      expect(await migrate(db)).toEqual([]);
      const { rows } = await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
      expect(rows.map((r) => r.name)).toEqual(sqlFiles(MIGRATIONS_DIR));
      // The server's functions are there, and its tables answer.
      const kind = await db.query<{ k: string }>(`SELECT greenlight_notification_kind('approval.created') AS k`);
      expect(kind.rows[0]!.k).toBe('approval_request');
      const none = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM approvals');
      expect(none.rows[0]!.n).toBe(0);
    } finally {
      await db.close();
    }
    // Nothing of the copy is left beside it.
    expect(readdirSync(join(work, 'new'))).toEqual(['pglite']);
  });

  it('a directory that holds a database, or anything else, is never replaced', () => {
    const withDb = join(work, 'has-db');
    mkdirSync(withDb);
    writeFileSync(join(withDb, 'PG_VERSION'), '17\n');
    writeFileSync(join(withDb, 'mine'), 'data');
    expect(seedFromTemplate(withDb, root)).toBe(false);
    expect(readdirSync(withDb).sort()).toEqual(['PG_VERSION', 'mine']);

    const other = join(work, 'has-other');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'not a database');
    expect(seedFromTemplate(other, root)).toBe(false);
    expect(readFileSync(join(other, 'notes.txt'), 'utf8')).toBe('not a database');
  });

  it('without a template of these sources, a new directory is created as before', () => {
    const elsewhere = join(work, 'no-templates');
    mkdirSync(elsewhere);
    mkdirSync(join(elsewhere, 'older0123456789abcdef0123'));
    writeFileSync(join(elsewhere, 'older0123456789abcdef0123', 'PG_VERSION'), '17\n');
    const dir = join(work, 'fresh');
    expect(seedFromTemplate(dir, elsewhere)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it('a copy that a killed start left behind is removed, and the next start copies whole', () => {
    const parent = join(work, 'killed');
    const dir = join(parent, 'pglite');
    mkdirSync(join(parent, '.pglite.copying-99999', 'base'), { recursive: true });
    writeFileSync(join(parent, '.pglite.copying-99999', 'PG_VERSION'), '17\n');
    expect(seedFromTemplate(dir, root)).toBe(true);
    expect(readdirSync(parent)).toEqual(['pglite']);
    expect(readdirSync(dir).sort()).toEqual(readdirSync(templatePath(root)!).sort());
  });

  it('the server opens a new data directory from the build’s template when there is one, and creates one without', async () => {
    // openDatabase reads the build's own templates (dist/); either way the database is migrated.
    const data = join(work, 'server-data');
    const db = await openDatabase({ GREENLIGHT_DATA_DIR: data, DATABASE_URL: undefined, GREENLIGHT_PGLITE_SHARED_BUFFERS: TEST_SHARED_BUFFERS });
    try {
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      expect(rows[0]!.n).toBe(sqlFiles(MIGRATIONS_DIR).length);
    } finally {
      await db.close();
    }
  }, 120_000);
});
