/**
 * `greenlight request --wait` outlives its server: a real server process stopped (SIGTERM, as an
 * upgrade does) and later killed (SIGKILL, as a crash or a dropped host does) while the command waits;
 * each time a new process starts on the same port and database. The command reconnects by itself,
 * never creates a second request, and exits with the decision made on the last process.
 * Runs on PGlite (a data directory, as `pnpm start` uses it) and on Postgres (a fresh database).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openTestDatabase, seedOrg, TEST_DATABASE_URL, type TestDatabase } from '../testing/harness.ts';
import { spawnServer, type SpawnedServer } from '../testing/spawn-server.ts';
import { runGreenlight, WAITING_ON } from '../testing/greenlight-cli.ts';
import { openDatabase } from '../storage/open.ts';
import type { Database } from '../storage/database.ts';

let dataDir: string;
let postgres: TestDatabase | undefined;
let requesterKey: string;
let approverKey: string;
const processes: SpawnedServer[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'greenlight-cli-restart-'));
  const seed = async (db: Database) => {
    const org = await seedOrg(db, 'Restart');
    requesterKey = org.key;
    approverKey = (await org.newKey({ name: 'approver' })).key;
  };
  if (TEST_DATABASE_URL) {
    postgres = await openTestDatabase();
    await seed(postgres.db);
  } else {
    const db = await openDatabase({ GREENLIGHT_DATA_DIR: dataDir, DATABASE_URL: undefined });
    await seed(db);
    await db.close();
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await postgres?.drop();
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

const start = async (port?: number) => {
  const p = await spawnServer({ GREENLIGHT_DATA_DIR: dataDir, ...(postgres ? { DATABASE_URL: postgres.url! } : {}) }, port ? { port } : {});
  processes.push(p);
  return p;
};

it('a wait survives a graceful restart and a crash of the server, and exits with the decision', { timeout: 180_000 }, async () => {
  const first = await start();
  const key = `restart-${Date.now()}`;
  const cli = runGreenlight(['request', '--title', 'Migrate the billing database', '--idempotency-key', key, '--wait', '--timeout', '5m', '--json'], {
    url: first.url,
    apiKey: requesterKey,
  });
  const id = (await cli.printed(WAITING_ON))[1]!;

  // Each new process starts only once the command has said the server is gone (it noticed the outage
  // rather than slipping through the transport's own retries), and is killed only once the command
  // has said it is back (its long poll is held by that process).
  await first.stop();
  await cli.printed(/Greenlight did not answer/);
  const second = await start(first.port);
  await cli.printed(/Reconnected; still waiting\.\n/);

  await second.kill();
  await cli.printed(/Reconnected; still waiting\.\n[\s\S]*Greenlight did not answer/);
  const third = await start(first.port);
  await cli.printed(/(Reconnected; still waiting\.\n[\s\S]*){2}/);

  const decided = await fetch(`${third.url}/api/v1/approvals/${id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${approverKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ decision: 'approve', comment: 'after the restarts' }),
  });
  expect(decided.status).toBe(200);

  const { code, stdout } = await cli.exited;
  expect(code).toBe(0);
  expect(JSON.parse(stdout)).toMatchObject({ outcome: 'approved', approval: { id, status: 'approved', decision_comment: 'after the restarts' } });

  const list = await fetch(`${third.url}/api/v1/approvals?idempotency_key=${key}`, { headers: { authorization: `Bearer ${requesterKey}` } });
  expect(((await list.json()) as { data: unknown[] }).data).toHaveLength(1);
});
