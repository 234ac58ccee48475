/**
 * The Python SDK (packages/python) against the real server: its pytest suite, run by a Python 3 that
 * has httpx and pytest (Debian's python3-httpx and python3-pytest), each pytest test reported here as
 * its own test. The server is a real process started as the other end-to-end tests start one
 * (spawnServer on processStorage: a data directory on PGlite, a fresh database on Postgres), with an
 * organization seeded first; pytest gets its URL, the organization's keys, and a control URL on which
 * it stops (SIGTERM), kills (SIGKILL) and starts the server again on the same port and database, to
 * show a wait outliving both. Without such a Python the file is skipped and says why; with CI=true it
 * fails instead.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processStorage, seedOrg, spawnServer, type ProcessStorage, type SpawnedServer } from '@greenlight/server/testing';

const PACKAGE_DIR = fileURLToPath(new URL('../packages/python/', import.meta.url));
const SOURCES = join(PACKAGE_DIR, 'src');
const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
/** What the suite imports: the SDK's one dependency, the runner, and what builds and installs the wheel. */
const NEEDED = ['httpx', 'pytest', 'venv', 'setuptools', 'wheel', 'pip'];

/** The first Python 3.10+ that imports everything the suite needs, or why there is none. */
function findPython(): { python: string } | { reason: string } {
  const candidates = [process.env.GREENLIGHT_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => Boolean(c));
  const tried: string[] = [];
  for (const python of candidates) {
    try {
      execFileSync(python, ['-c', `import sys; assert sys.version_info >= (3, 10), sys.version; import ${NEEDED.join(', ')}`], { stdio: 'pipe' });
      return { python };
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim().split('\n').pop();
      tried.push(`${python}: ${stderr || (err as Error).message}`);
    }
  }
  return {
    reason:
      `no Python 3.10+ with ${NEEDED.join(', ')} (Debian: apt-get install python3-httpx python3-pytest python3-venv python3-pip ` +
      `python3-setuptools python3-wheel python3-build; or set GREENLIGHT_PYTHON). Tried ${tried.join('; ')}`,
  };
}

function hasModule(python: string, name: string): boolean {
  try {
    execFileSync(python, ['-c', `import ${name}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

const pythonEnv = () => ({ ...process.env, PYTHONPATH: SOURCES, PYTHONDONTWRITEBYTECODE: '1' });
const PYTEST_ARGS = ['-m', 'pytest', '-p', 'no:cacheprovider', 'tests'];

/** The suite's test ids (`tests/test_api.py::test_…`), collected before anything runs. */
function collect(python: string): string[] {
  const out = execFileSync(python, [...PYTEST_ARGS, '--collect-only', '-q'], { cwd: PACKAGE_DIR, env: pythonEnv(), encoding: 'utf8' });
  const ids = out.split('\n').filter((line) => line.includes('::'));
  if (ids.length === 0) throw new Error(`pytest collected no tests:\n${out}`);
  return ids;
}

/** mypy --strict over the package and its examples, as a child process: answers its exit code and output. */
function typeCheckPackage(python: string, present: boolean): Promise<{ code: number | null; output: string }> {
  if (!present) return Promise.resolve({ code: null, output: 'no mypy (Debian: python3-mypy)' });
  const cacheDir = mkdtempSync(join(tmpdir(), 'greenlight-mypy-'));
  const child = spawn(python, ['-m', 'mypy', '--python-version', '3.10', '--strict', '--cache-dir', cacheDir, 'src/greenlight', 'examples'], {
    cwd: PACKAGE_DIR,
    env: { ...pythonEnv(), MYPYPATH: SOURCES },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) =>
    child.once('close', (code) => {
      rmSync(cacheDir, { recursive: true, force: true });
      resolve({ code, output });
    }),
  );
}

interface Report {
  exit_status: number;
  tests: Record<string, { outcome: 'passed' | 'failed' | 'skipped'; message: string }>;
}

const found = findPython();

if ('reason' in found) {
  describe('the Python SDK', () => {
    if (IN_CI) {
      it('has a Python 3 with httpx and pytest in CI (.ci/run installs Debian’s packages)', () => {
        throw new Error(found.reason);
      });
    } else {
      console.warn(`test/python-sdk.test.ts skipped: ${found.reason}`);
      it.skip(`skipped: ${found.reason}`, () => {});
    }
  });
} else {
  const { python } = found;
  const ids = collect(python);
  const mypy = hasModule(python, 'mypy');
  let typeCheck: Promise<{ code: number | null; output: string }> = Promise.resolve({ code: null, output: 'mypy was not started' });

  describe('the Python SDK against the real server (pytest)', () => {
    let storage: ProcessStorage;
    let server: SpawnedServer | null = null;
    let port = 0;
    let control: Server;
    let report: Report | null = null;
    let output = '';
    let workDir = '';
    const keys: Record<string, string> = {};
    const serverEnv = () => ({
      ...storage.env,
      // The receivers pytest starts are on loopback: allowed explicitly, as a self-hoster would.
      GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8',
      GREENLIGHT_DELIVERY_SWEEP_MS: '100',
      GREENLIGHT_EXPIRY_SWEEP_MS: '200',
      GREENLIGHT_WAITER_PROBES: 'false',
    });
    const start = async () => {
      if (server && server.child.exitCode === null && server.child.signalCode === null) return;
      server = await spawnServer(serverEnv(), port ? { port } : {});
      port = server.port;
    };

    beforeAll(async () => {
      typeCheck = typeCheckPackage(python, mypy);
      storage = await processStorage('python-sdk', async (db) => {
        const org = await seedOrg(db, 'Python SDK');
        keys.requester = org.key;
        keys.approver = (await org.newKey({ name: 'approver' })).key;
        keys.reader = (await org.newKey({ name: 'reader', scopes: ['approvals:read'] })).key;
        keys.limited = (await org.newKey({ name: 'limited', rateLimit: 2, rateLimitWindow: 'minute' })).key;
      });
      await start();

      // POST /server/stop | kill | start: what a restart of the server looks like to a waiting client.
      control = createServer((req, res) => {
        const action = /^\/server\/(stop|kill|start)$/.exec(req.url ?? '')?.[1];
        const done = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        if (req.method !== 'POST' || !action) return done(404, { error: 'POST /server/stop, /server/kill or /server/start' });
        const act = action === 'start' ? start() : action === 'stop' ? (server?.stop() ?? Promise.resolve()) : (server?.kill() ?? Promise.resolve());
        act.then(
          () => done(200, { action, url: server?.url }),
          (err: Error) => done(500, { error: err.message }),
        );
      });
      await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));

      workDir = mkdtempSync(join(tmpdir(), 'greenlight-pytest-'));
      const reportFile = join(workDir, 'report.json');
      const child = spawn(python, [...PYTEST_ARGS, '-q', '-rfE', `--basetemp=${join(workDir, 'tmp')}`], {
        cwd: PACKAGE_DIR,
        env: {
          ...pythonEnv(),
          GREENLIGHT_TEST_URL: server!.url,
          GREENLIGHT_TEST_REQUESTER_KEY: keys.requester!,
          GREENLIGHT_TEST_APPROVER_KEY: keys.approver!,
          GREENLIGHT_TEST_READER_KEY: keys.reader!,
          GREENLIGHT_TEST_LIMITED_KEY: keys.limited!,
          GREENLIGHT_TEST_CONTROL_URL: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
          GREENLIGHT_TEST_PACKAGE_DIR: PACKAGE_DIR,
          GREENLIGHT_TEST_REPORT: reportFile,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      try {
        report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
      } catch {
        throw new Error(`pytest exited ${code} without writing its report:\n${output}`);
      }
    }, 900_000);

    afterAll(async () => {
      await new Promise((resolve) => control?.close(resolve));
      await server?.kill();
      await storage?.drop();
      if (workDir) rmSync(workDir, { recursive: true, force: true });
    }, 60_000);

    it.each(ids)('%s', (id) => {
      const result = report?.tests[id];
      if (!result) throw new Error(`pytest did not run ${id}:\n${output}`);
      // A skip inside the suite is a failure: every test here must run wherever the file runs.
      if (result.outcome !== 'passed') throw new Error(`${result.outcome}:\n${result.message}`);
    });

    // The package promises types (py.typed): they hold under mypy --strict for the oldest Python it supports.
    // mypy was started beside pytest (in beforeAll): a minute or two of its own, overlapped with the suite.
    it.skipIf(!mypy && !IN_CI)(
      `the package and its examples type-check with mypy --strict for Python 3.10${mypy || IN_CI ? '' : ' (skipped: no mypy; Debian: python3-mypy)'}`,
      async () => {
        const result = await typeCheck;
        if (result.code !== 0) throw new Error(`mypy found errors (exit ${result.code}):\n${result.output}`);
      },
      600_000,
    );

    it('pytest ran exactly the collected tests and exited 0', () => {
      expect(Object.keys(report?.tests ?? {}).sort()).toEqual([...ids].sort());
      expect(report?.exit_status, output).toBe(0);
    });
  });
}
