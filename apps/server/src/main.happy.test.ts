/**
 * `main.ts` as a newcomer runs it (`pnpm start`): embedded PGlite in GREENLIGHT_DATA_DIR, first-run
 * org and sign-in link, health checks, graceful exit on SIGTERM. On the server:postgres project the
 * same runs against a fresh Postgres database through DATABASE_URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, TEST_DATABASE_URL, type TestDatabase } from './testing/harness.ts';

const SERVER_DIR = fileURLToPath(new URL('../', import.meta.url));
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

interface Started {
  child: ChildProcess;
  url: string;
  port: number;
  output(): { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts main.ts with only the given settings (none inherited from the test run) and waits for /healthz. */
async function startMain(env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(PORT|HOST|DATABASE_URL|REDIS_URL|GREENLIGHT_|LOG_LEVEL|NODE_OPTIONS)/.test(k)),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: SERVER_DIR,
    env: { ...inherited, PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 45_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`main.ts exited with ${child.exitCode}:\n${stdout}\n${stderr}`);
    const up = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { child, url, port, exited, output: () => ({ stdout, stderr }) };
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`main.ts did not answer /healthz within 45 s:\n${stdout}\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}

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
