/**
 * The embedded database on its own thread (pglite-thread.ts + pglite-worker.mjs), as `openDatabase`
 * opens a data directory: the same behaviour as PGlite on the calling thread, across the message boundary.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgliteThread } from './pglite-thread.ts';
import { constraintName, sqlState, type Database } from './database.ts';
import { TEST_DATABASE_URL } from '../testing/harness.ts';
import { copyTemplateTo, TEST_SHARED_BUFFERS } from '../testing/pglite-template.ts';

let dir: string;
let db: Database;

// Embedded storage only: the Postgres project has nothing more to learn from it.
describe.skipIf(TEST_DATABASE_URL)('PGlite on its own thread', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'greenlight-thread-'));
    // A directory that holds a database already, as openDatabase finds it after the first start
    // (data-dir-lock.security covers a first start on an empty one); PGlite's own buffer pool.
    await copyTemplateTo(dir);
    db = await openPgliteThread(dir);
    await db.exec('CREATE TABLE t (id int PRIMARY KEY, at timestamptz, doc jsonb, big bigint)');
  }, 60_000);
  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers queries with the driver types: Dates, JSON, counts', async () => {
    const at = new Date('2026-11-21T12:00:00.123Z');
    const ins = await db.query('INSERT INTO t VALUES ($1, $2, $3, $4)', [1, at, JSON.stringify({ a: [1, 'x'] }), '9007199254740993']);
    expect(ins.rowCount).toBe(1);
    const { rows } = await db.query<{ at: Date; doc: unknown; big: string }>('SELECT at, doc, big::text AS big FROM t WHERE id = 1');
    expect(rows[0]!.at).toBeInstanceOf(Date);
    expect(rows[0]!.at.toISOString()).toBe(at.toISOString());
    expect(rows[0]!.doc).toEqual({ a: [1, 'x'] });
    expect(rows[0]!.big).toBe('9007199254740993');
  });

  it('commits a transaction, and rolls one back when its function throws', async () => {
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO t (id) VALUES (10)');
      await tx.query('INSERT INTO t (id) VALUES (11)');
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO t (id) VALUES (12)');
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    const { rows } = await db.query<{ id: number }>('SELECT id FROM t WHERE id >= 10 ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual([10, 11]);
  });

  it('gives SQL errors back with their SQLSTATE, constraint and detail, and a failed statement rolls its transaction back', async () => {
    const err = await db.query('INSERT INTO t (id) VALUES (1)').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(sqlState(err)).toBe('23505');
    expect(constraintName(err)).toBe('t_pkey');
    expect((err as { detail?: string }).detail).toContain('(id)=(1)');

    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO t (id) VALUES (20)');
        await tx.query('INSERT INTO t (id) VALUES (1)');
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect((await db.query('SELECT 1 FROM t WHERE id = 20')).rows).toEqual([]);
  });

  it('runs each transaction alone: a statement from outside waits for the commit', async () => {
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const tx = db.transaction(async (t) => {
      await t.query('INSERT INTO t (id) VALUES (30)');
      order.push('tx wrote');
      await held;
      order.push('tx commits');
    });
    await new Promise((r) => setTimeout(r, 20));
    const outside = db.query<{ n: number }>('SELECT count(*)::int AS n FROM t WHERE id = 30').then((r) => {
      order.push('outside read');
      return r.rows[0]!.n;
    });
    await new Promise((r) => setTimeout(r, 50));
    release();
    await tx;
    expect(await outside).toBe(1);
    expect(order).toEqual(['tx wrote', 'tx commits', 'outside read']);
  });

  it('hands notifications to listeners: after commit from notify(), and from pg_notify run as SQL', async () => {
    const got: string[] = [];
    const unlisten = await db.listen('thread_test', (p) => got.push(p));
    await db.transaction(async (tx) => {
      tx.notify('thread_test', 'from-commit');
      expect(got).toEqual([]);
    });
    expect(got).toEqual(['from-commit']);
    await db.query(`SELECT pg_notify('thread_test', 'from-sql')`);
    await expect.poll(() => got).toEqual(['from-commit', 'from-sql']);
    await unlisten();
    await db.query(`SELECT pg_notify('thread_test', 'after-unlisten')`);
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual(['from-commit', 'from-sql']);
  });

  it('keeps what it wrote across a close and a reopen of the directory, and refuses work once closed', async () => {
    const other = mkdtempSync(join(tmpdir(), 'greenlight-thread-'));
    try {
      await copyTemplateTo(other);
      const a = await openPgliteThread(other, { sharedBuffers: TEST_SHARED_BUFFERS });
      await a.exec('CREATE TABLE kept (v text)');
      await a.query('INSERT INTO kept VALUES ($1)', ['still here']);
      await a.close();
      await expect(a.query('SELECT 1')).rejects.toThrow('closed');
      const b = await openPgliteThread(other, { sharedBuffers: '8MB' });
      expect((await b.query<{ v: string }>('SELECT v FROM kept')).rows).toEqual([{ v: 'still here' }]);
      // The buffer pool is the one each open asks for (GREENLIGHT_PGLITE_SHARED_BUFFERS), else PGlite's.
      expect((await b.query<{ s: string }>(`SELECT current_setting('shared_buffers') AS s`)).rows).toEqual([{ s: '8MB' }]);
      expect((await db.query<{ s: string }>(`SELECT current_setting('shared_buffers') AS s`)).rows).toEqual([{ s: '128MB' }]);
      await b.close();
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  }, 60_000);

  it('starts as a copy of a dump, in memory or in a directory, and the copies do not share writes', async () => {
    const other = mkdtempSync(join(tmpdir(), 'greenlight-thread-'));
    try {
      await db.exec('CREATE TABLE dumped (v text)');
      await db.query('INSERT INTO dumped VALUES ($1)', ['in the dump']);
      const file = join(other, 'dump.tar');
      writeFileSync(file, await db.dumpDataDir!('none'));
      const inMemory = await openPgliteThread(undefined, { loadDataDir: file, sharedBuffers: TEST_SHARED_BUFFERS });
      const onDisk = await openPgliteThread(join(other, 'data'), { loadDataDir: file, sharedBuffers: TEST_SHARED_BUFFERS });
      await inMemory.query('INSERT INTO dumped VALUES ($1)', ['only in memory']);
      expect((await inMemory.query<{ v: string }>('SELECT v FROM dumped ORDER BY v')).rows).toEqual([{ v: 'in the dump' }, { v: 'only in memory' }]);
      expect((await onDisk.query<{ v: string }>('SELECT v FROM dumped')).rows).toEqual([{ v: 'in the dump' }]);
      await Promise.all([inMemory.close(), onDisk.close()]);
      // The directory holds a database of its own now: it opens without the dump.
      const reopened = await openPgliteThread(join(other, 'data'), { sharedBuffers: TEST_SHARED_BUFFERS });
      expect((await reopened.query<{ v: string }>('SELECT v FROM dumped')).rows).toEqual([{ v: 'in the dump' }]);
      await reopened.close();
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  }, 60_000);
});
