import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppDeps } from '../context.ts';
import { EventBus } from '../events/event-bus.ts';
import { memoryRateLimitStore } from '../http/rate-limit.ts';
import { createLogger } from '../server.ts';
import { openTestDatabase, seedOrg, testConfig, type TestDatabase } from '../testing/harness.ts';
import { startAdminSocket } from './admin-socket.ts';
import { sendToAdminSocket } from './admin-client.ts';

let tdb: TestDatabase;
let dir: string;
beforeAll(async () => {
  tdb = await openTestDatabase();
});
afterAll(() => tdb.drop());

/** The socket only ever serves a PGlite the server opened from its data directory; tests pretend it did. */
function depsFor(dataDir: string, kind: 'pglite' | 'postgres' = 'pglite'): AppDeps {
  const config = testConfig({ GREENLIGHT_DATA_DIR: dataDir });
  return {
    config,
    db: { ...tdb.db, kind },
    logger: createLogger(config),
    rateLimit: memoryRateLimitStore(),
    bus: new EventBus(tdb.db),
    channels: [],
  };
}

async function freshDir() {
  dir = await mkdtemp(join(tmpdir(), 'gl-admin-'));
  return dir;
}

function rawRequest(socketPath: string, method: string, path: string, body?: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ socketPath, method, path, agent: false }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('admin socket', () => {
  it('is created with mode 0600 inside the data directory, runs CLI commands, and is removed on stop', async () => {
    const d = await freshDir();
    const seed = await seedOrg(tdb.db);
    const admin = await startAdminSocket(depsFor(d), { ownsDataDir: true });
    try {
      expect(admin.path).toBe(join(d, 'admin.sock'));
      const s = await stat(admin.path!);
      expect(s.isSocket()).toBe(true);
      expect(s.mode & 0o777).toBe(0o600);

      const listed = await sendToAdminSocket(admin.path!, ['connection', 'list', '--org', seed.org.slug, '--json']);
      expect(listed).toMatchObject({ exitCode: 0, stderr: '' });
      expect(JSON.parse(listed!.stdout).data.map((c: { id: string }) => c.id)).toEqual([seed.connectionId]);

      const missing = await sendToAdminSocket(admin.path!, ['connection', 'list', '--org', 'no-such-org']);
      expect(missing).toEqual({ exitCode: 1, stdout: '', stderr: 'error: org not found: no-such-org\n' });
    } finally {
      await admin.stop();
    }
    expect(existsSync(join(d, 'admin.sock'))).toBe(false);
    await rm(d, { recursive: true, force: true });
  });

  it('refuses to start while another process answers on the socket', async () => {
    const d = await freshDir();
    const first = await startAdminSocket(depsFor(d), { ownsDataDir: true });
    try {
      await expect(startAdminSocket(depsFor(d), { ownsDataDir: true })).rejects.toThrow(
        `another Greenlight process is serving ${join(d, 'admin.sock')}: only one process may own a PGlite data directory at a time`,
      );
      // The refusal left the first one alone.
      expect((await sendToAdminSocket(first.path!, ['--help']))?.exitCode).toBe(0);
    } finally {
      await first.stop();
      await rm(d, { recursive: true, force: true });
    }
  });

  it('replaces a socket file left behind by a process that died', async () => {
    const d = await freshDir();
    const path = join(d, 'admin.sock');
    // SIGKILL gives the process no chance to remove its socket file.
    await promisify(execFile)(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]).catch(() => {});
    expect((await stat(path)).isSocket()).toBe(true);
    expect(await sendToAdminSocket(path, ['--help'])).toBeNull();

    const admin = await startAdminSocket(depsFor(d), { ownsDataDir: true });
    try {
      expect((await sendToAdminSocket(path, ['--help']))?.exitCode).toBe(0);
    } finally {
      await admin.stop();
      await rm(d, { recursive: true, force: true });
    }
  });

  it('refuses to replace something that is not a socket', async () => {
    const d = await freshDir();
    await writeFile(join(d, 'admin.sock'), 'not a socket');
    await expect(startAdminSocket(depsFor(d), { ownsDataDir: true })).rejects.toThrow(
      `${join(d, 'admin.sock')} exists and is not a socket; move it away before starting Greenlight`,
    );
    await rm(d, { recursive: true, force: true });
  });

  it.each([
    ['a database the server did not open itself', 'pglite', false],
    ['Postgres', 'postgres', true],
  ] as const)('is not started for %s', async (_name, kind, ownsDataDir) => {
    const d = await freshDir();
    const admin = await startAdminSocket(depsFor(d, kind), { ownsDataDir });
    expect(admin.path).toBeNull();
    expect(existsSync(join(d, 'admin.sock'))).toBe(false);
    await admin.stop();
    await rm(d, { recursive: true, force: true });
  });

  it.each([
    ['GET /cli', 405, 'GET', '/cli', undefined],
    ['an unknown path', 404, 'POST', '/admin', '{"argv":[]}'],
    ['malformed JSON', 400, 'POST', '/cli', '{"argv":'],
    ['argv that is not a list of strings', 400, 'POST', '/cli', '{"argv":"connection list"}'],
    ['an unknown field', 400, 'POST', '/cli', '{"argv":[],"sql":"DROP TABLE orgs"}'],
    ['a body over 64 KiB', 413, 'POST', '/cli', JSON.stringify({ argv: ['x'.repeat(70_000)] })],
  ])('answers %s with %i', async (_name, status, method, path, body) => {
    const d = await freshDir();
    const admin = await startAdminSocket(depsFor(d), { ownsDataDir: true });
    try {
      const res = await rawRequest(admin.path!, method, path, body);
      expect(res.status).toBe(status);
      expect(JSON.parse(res.body)).toEqual({ error: expect.any(String) });
    } finally {
      await admin.stop();
      await rm(d, { recursive: true, force: true });
    }
  });
});
