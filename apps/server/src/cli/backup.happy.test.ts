/**
 * The embedded database's backup, taken by the real CLI from a real server process under create load
 * (through the admin socket), restored into a fresh data directory and served again.
 */
import { createRequire } from 'node:module';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, TEST_DATABASE_URL } from '../testing/harness.ts';
import { spawnServer, type SpawnedServer } from '../testing/spawn-server.ts';

// tsx as a loader of this process, not its command line (which starts a second node under itself).
const TSX = ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href];
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

function greenlight(env: Record<string, string>, cwd: string, ...args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [...TSX, MAIN, ...args], { cwd, env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'silent', ...env }, timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe.skipIf(TEST_DATABASE_URL)('greenlight-admin backup / restore (embedded database)', { timeout: 180_000 }, () => {
  let work: string;
  const servers: SpawnedServer[] = [];
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'gl-backup-'));
  });
  afterAll(async () => {
    for (const s of servers) await s.kill();
    await rm(work, { recursive: true, force: true });
  });

  it('a backup taken under create load, restored into a fresh directory, holds every request answered 201 before it began', async () => {
    const live = { GREENLIGHT_DATA_DIR: join(work, 'live') };
    const server = await spawnServer(live);
    servers.push(server);
    const key = await greenlight(live, work, 'connection', 'create', '--org', 'default', '--name', 'load', '--rate-limit', '10000', '--json');
    expect(key.stderr).toBe('');
    const apiKey = (JSON.parse(key.stdout) as { api_key: string }).api_key;

    // Four clients create requests back to back until told to stop; each 201 is stamped with when it came.
    const answered: { id: string; at: number }[] = [];
    let failures = 0;
    let stop = false;
    const client = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const res = await fetch(`${server.url}/api/v1/approvals`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(approvalBody({ title: `load ${n}.${i}` })),
        });
        const body = (await res.json()) as { id?: string };
        if (res.status === 201 && body.id) answered.push({ id: body.id, at: performance.now() });
        else failures++;
      }
    };
    const load = [0, 1, 2, 3].map(client);
    while (answered.length < 50) await new Promise((r) => setTimeout(r, 50));

    const began = performance.now();
    // A relative --out: the CLI resolves it where it was typed, not in the server's directory.
    const backup = await greenlight(live, work, 'backup', '--out', 'greenlight.backup');
    const ended = performance.now();
    await new Promise((r) => setTimeout(r, 200));
    stop = true;
    await Promise.all(load);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/^Backup written to .*greenlight\.backup \(\d+ bytes, \d+ ms\)/);
    expect(failures).toBe(0);
    expect((await stat(join(work, 'greenlight.backup'))).mode & 0o777).toBe(0o600);
    const before = answered.filter((a) => a.at < began);
    const during = answered.filter((a) => a.at >= began && a.at <= ended);
    expect(before.length).toBeGreaterThanOrEqual(50);

    // Restoring over the live directory is refused, through the server that owns it.
    const overLive = await greenlight(live, work, 'restore', 'greenlight.backup');
    expect(overLive.code).toBe(1);
    expect(overLive.stderr).toMatch(/owns the data directory .*restore into a fresh GREENLIGHT_DATA_DIR/);
    await server.stop();

    const fresh = { GREENLIGHT_DATA_DIR: join(work, 'fresh') };
    const restore = await greenlight(fresh, work, 'restore', join(work, 'greenlight.backup'));
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);

    const restored = await spawnServer(fresh);
    servers.push(restored);
    const missing: string[] = [];
    for (const { id } of before) {
      const res = await fetch(`${restored.url}/api/v1/approvals/${id}`, { headers: { Authorization: `Bearer ${apiKey}` } });
      if (res.status !== 200) missing.push(`${id}: ${res.status}`);
    }
    expect(missing).toEqual([]);
    // Requests answered while the copy was taken are in it or not, never half there.
    for (const { id } of during) {
      const res = await fetch(`${restored.url}/api/v1/approvals/${id}`, { headers: { Authorization: `Bearer ${apiKey}` } });
      expect([200, 404]).toContain(res.status);
    }
    // The restored database takes new writes.
    const created = await fetch(`${restored.url}/api/v1/approvals`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(approvalBody({ title: 'after restore' })),
    });
    expect(created.status).toBe(201);
    await restored.stop();
  });
});
