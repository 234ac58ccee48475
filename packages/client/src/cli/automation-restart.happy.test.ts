/**
 * `greenlight request --wait` outlives its server: a real server process stopped (SIGTERM, as an
 * upgrade does) and later killed (SIGKILL, as a crash or a dropped host does) while the command waits;
 * each time a new process starts on the same port and database. The command reconnects by itself,
 * never creates a second request, and exits with the decision made on the last process.
 * Runs on PGlite (a data directory, as `pnpm start` uses it) and on Postgres (a fresh database).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { processStorage, runGreenlight, seedOrg, spawnServer, WAITING_ON, type ProcessStorage, type SpawnedServer } from '../../../../apps/server/src/testing/index.ts';

let storage: ProcessStorage;
let requesterKey: string;
let approverKey: string;
const processes: SpawnedServer[] = [];

beforeAll(async () => {
  storage = await processStorage('cli-restart', async (db) => {
    const org = await seedOrg(db, 'Restart');
    requesterKey = org.key;
    approverKey = (await org.newKey({ name: 'approver' })).key;
  });
}, 60_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await storage?.drop();
}, 60_000);

const start = async (port?: number) => {
  const p = await spawnServer(storage.env, port ? { port } : {});
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
