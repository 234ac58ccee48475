import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testConfig, TEST_DATABASE_URL, type TestDatabase } from '../testing/harness.ts';
import { runCli } from './run-cli.ts';

let work: string;
let tdb: TestDatabase;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gl-backup-err-'));
  tdb = await openTestDatabase();
});
afterAll(async () => {
  await tdb.drop();
  await rm(work, { recursive: true, force: true });
});

const run = (argv: string[], config = testConfig({ GREENLIGHT_DATA_DIR: join(work, 'data') })) =>
  runCli(argv, { config, withDatabase: (fn) => fn(tdb.db) });

describe('greenlight-admin backup / restore refusals', () => {
  it.each([
    [['backup'], 2, /^error: --out: is required/],
    [['backup', '--out', 'relative.backup'], 2, /^error: --out: must be an absolute path/],
    [['restore'], 2, /missing required argument 'file'/],
    [['restore', '/nonexistent/greenlight.backup'], 1, /^error: no such file: \/nonexistent\/greenlight\.backup\n$/],
  ])('%j → exit %i', async (argv, code, message) => {
    const r = await run(argv);
    expect(r.exitCode).toBe(code);
    expect(r.stderr).toMatch(message);
  });

  it('a file that is not a backup is refused, and leaves the directory empty for the next try', async () => {
    const file = join(work, 'not-a-backup');
    await writeFile(file, 'hello');
    const r = await run(['restore', file], testConfig({ GREENLIGHT_DATA_DIR: join(work, 'junk') }));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^error: .*not-a-backup could not be restored: /);
  });

  it.runIf(TEST_DATABASE_URL)('on PostgreSQL, backup and restore point at pg_dump and pg_restore', async () => {
    const backup = await run(['backup', '--out', join(work, 'pg.backup')]);
    expect(backup).toEqual({ exitCode: 1, stdout: '', stderr: expect.stringMatching(/use pg_dump/) });
    const restore = await run(['restore', join(work, 'pg.backup')], testConfig({ DATABASE_URL: TEST_DATABASE_URL!, GREENLIGHT_DATA_DIR: join(work, 'data') }));
    expect(restore).toEqual({ exitCode: 1, stdout: '', stderr: expect.stringMatching(/use pg_restore/) });
  });
});
