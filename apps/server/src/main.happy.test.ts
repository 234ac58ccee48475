/**
 * `main.ts` as a newcomer runs it (`pnpm start`): embedded PGlite in GREENLIGHT_DATA_DIR, first-run
 * org and sign-in link, health checks, graceful exit on SIGTERM. On the server:postgres project the
 * same runs against a fresh Postgres database through DATABASE_URL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, TEST_DATABASE_URL, type TestDatabase } from './testing/harness.ts';
import { spawnServer, type SpawnedServer } from './testing/spawn-server.ts';

type Started = SpawnedServer;
const startMain = (env: Record<string, string>) => spawnServer(env, { readyPath: '/healthz' });

let dataDir: string;
let postgres: TestDatabase | undefined;
let storage: Record<string, string>;
const expectedDatabase = TEST_DATABASE_URL ? 'postgres' : 'pglite';
const running: Started[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'greenlight-main-'));
  storage = { GREENLIGHT_DATA_DIR: dataDir };
  if (TEST_DATABASE_URL) {
    postgres = await openTestDatabase();
    storage.DATABASE_URL = postgres.url!;
  }
}, 30_000);
afterAll(async () => {
  for (const s of running) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  await Promise.all(running.map((s) => s.exited));
  await postgres?.drop();
  rmSync(dataDir, { recursive: true, force: true });
}, 30_000);

describe('main.ts', () => {
  it(`starts on ${expectedDatabase}, prints a first-run sign-in link, answers /healthz, and exits 0 on SIGTERM`, async () => {
    const s = await startMain({ ...storage, GREENLIGHT_ADMIN_EMAIL: 'ops@example.test' });
    running.push(s);

    const health = await fetch(`${s.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${s.url}/readyz`)).json()).toEqual({ status: 'ready', database: expectedDatabase, rate_limit_store: 'memory' });

    // The first-run link is printed once the server listens, so /healthz may answer a moment before it.
    for (let i = 0; i < 200 && !s.output().stdout.includes('First run'); i++) await new Promise((r) => setTimeout(r, 50));
    const { stdout } = s.output();
    expect(stdout).toContain('First run: org "default" created with admin ops@example.test.');
    expect(stdout).toMatch(new RegExp(`^  http://127\\.0\\.0\\.1:${s.port}/sign-in/[A-Za-z0-9_-]{43}$`, 'm'));

    s.child.kill('SIGTERM');
    expect(await s.exited).toEqual({ code: 0, signal: null });
    // Closed for good: nothing listens on the port any more.
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
  }, 60_000);

  it('keeps its data across a restart: the second start finds the org and prints no new link', async () => {
    const s = await startMain(storage);
    running.push(s);
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
    expect(s.output().stdout).not.toContain('First run');

    s.child.kill('SIGINT');
    expect(await s.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});
