/**
 * Fault scripts. Each prints what it did and what was lost, and appends a line to results/faults.jsonl.
 *   tsx faults.ts [kill-create] [kill-deliveries] [redis-limit] [receiver-down] [pg-restart] [fuzz]   (default: all)
 * Storage: kill-create and kill-deliveries run on PGlite and on Postgres; the others on Postgres.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../apps/server/src/storage/open.ts';
import type { SpawnedServer } from '../apps/server/src/testing/spawn-server.ts';
import { answerProblem, sampleFuzzRequests, sendFuzzed, type FuzzContext } from '../apps/server/src/testing/fuzz.ts';
import {
  createDatabase, createMany, decide, load, record, REDIS_URL, seed, sleep, startCallbackReceiver, startServer, storageEnv, tempDataDir,
} from './lib.ts';

type Storage = { DATABASE_URL?: string; GREENLIGHT_DATA_DIR: string };
type Kind = 'pglite' | 'postgres';

async function withStorage<T>(kind: Kind, fn: (storage: Storage) => Promise<T>): Promise<T> {
  if (kind === 'pglite') {
    const dir = tempDataDir();
    try {
      return await fn({ GREENLIGHT_DATA_DIR: dir.dir });
    } finally {
      dir.remove();
    }
  }
  const database = await createDatabase('fault');
  try {
    return await fn({ DATABASE_URL: database.url, GREENLIGHT_DATA_DIR: '/nonexistent' });
  } finally {
    await database.drop();
  }
}

/** How many of `ids` are in approvals, read directly from storage (no server may own a PGlite directory then). */
async function countPresent(storage: Storage, ids: string[]): Promise<number> {
  const db = await openDatabase(storage);
  try {
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM approvals WHERE id = ANY($1::uuid[])', [ids]);
    return rows[0]!.n;
  } finally {
    await db.close();
  }
}

/**
 * The ids the load generator recorded for its 201s. Read whole (an `execFileSync('cat')` here had a
 * 1 MB output limit and, past ~27,000 ids, returned none, so a run "lost 0 of 0"); the count must
 * match the 201s the generator counted, or the comparison with the database proves nothing.
 */
function readIds(file: string, answered201: number): string[] {
  const ids = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  if (ids.length !== answered201) throw new Error(`${file} holds ${ids.length} ids for ${answered201} answers 201`);
  return ids;
}

/** SIGKILL under create load: every create answered 201 must be there after a restart. */
async function killCreate(kind: Kind) {
  return withStorage(kind, async (storage) => {
    const seeded = await seed(storage, 8);
    const idsFile = path.join(os.tmpdir(), `bench-ids-${process.pid}-${kind}`);
    rmSync(idsFile, { force: true });
    const server = await startServer(storageEnv(storage));
    const loading = load({ url: server.url, keys: seeded.keys, connections: 32, seconds: 6, idsFile });
    await sleep(3000);
    await server.kill();
    const fig = await loading;
    const ids = readIds(idsFile, fig.statuses['201'] ?? 0);
    rmSync(idsFile, { force: true });
    // Restart (crash recovery of the storage), then stop and count directly.
    const again = await startServer(storageEnv(storage));
    await again.stop();
    const present = await countPresent(storage, ids);
    const lost = ids.length - present;
    record('faults', { fault: 'kill-create', database: kind, answered_201: ids.length, present, lost, requests: fig.requests },
      `kill-create (${kind}): SIGKILL after 3 s of create load (32 connections); ${ids.length} creates were answered 201, ${present} are there after restart; lost ${lost} ${lost === 0 && ids.length > 0 ? 'OK' : 'FAILED'}`);
  });
}

const RETRY = (step: string) => ['0', ...Array.from({ length: 29 }, () => step)].join(',');

/** SIGKILL with 1,000 deliveries pending (receiver refusing): all must arrive after restart. */
async function killDeliveries(kind: Kind) {
  const N = Number(process.env.BENCH_FAULT_DELIVERIES ?? 1000);
  return withStorage(kind, async (storage) => {
    const seeded = await seed(storage, 1);
    const receiver = await startCallbackReceiver();
    const env = { ...storageEnv(storage), GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_CALLBACK_INLINE_MS: '0', GREENLIGHT_DELIVERY_SCHEDULE: RETRY('2s') };
    let server: SpawnedServer | undefined;
    try {
      server = await startServer(env);
      const ids = await createMany(server.url, seeded.keys, N, (i) => ({ callback_url: `${receiver.url}/cb/${i}` }));
      await receiver.setDown(true);
      let decided = 0;
      let next = 0;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (next < N) {
          const i = next++;
          if ((await decide(server!.url, seeded.decider, ids[i]!)) === 200) decided++;
        }
      }));
      await server.kill();
      const beforeRestart = receiver.arrivals.size;
      await receiver.setDown(false);
      const t0 = Date.now();
      server = await startServer(env);
      while (receiver.arrivals.size < decided && Date.now() - t0 < 60_000) await sleep(100);
      const received = receiver.arrivals.size;
      const lost = decided - received;
      record('faults', { fault: 'kill-deliveries', database: kind, decided, received, lost, callback_requests: receiver.hits.n, seconds_to_all: Number(((Date.now() - t0) / 1000).toFixed(1)) },
        `kill-deliveries (${kind}): ${decided} decisions with the receiver down (${beforeRestart} delivered before), SIGKILL, receiver up, restart; ${received} distinct callbacks arrived in ${((Date.now() - t0) / 1000).toFixed(1)} s (${receiver.hits.n} requests); lost ${lost} ${lost === 0 ? 'OK' : 'FAILED'}`);
    } finally {
      await server?.stop();
      await receiver.close();
    }
  });
}

/** Three server processes sharing Redis; a connection limited to 100 per hour: exactly 100 pass. */
async function redisLimit() {
  return withStorage('postgres', async (storage) => {
    const seeded = await seed(storage, 1);
    const db = await openDatabase(storage);
    const { apiKey } = await (await import('../apps/server/src/modules/connections/connections.ts')).createConnection(db, {
      orgId: seeded.orgId, name: 'limited', rateLimit: 100,
    });
    await db.close();
    const servers = await Promise.all([0, 1, 2].map(() => startServer({ ...storageEnv(storage), REDIS_URL })));
    try {
      const statuses: Record<number, number> = {};
      await Promise.all(Array.from({ length: 300 }, async (_, i) => {
        const res = await fetch(`${servers[i % 3]!.url}/api/v1/approvals`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ title: `limited ${i}`, description: 'rate limit', priority: 'low' }),
        });
        await res.arrayBuffer();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }));
      const passed = statuses[201] ?? 0;
      record('faults', { fault: 'redis-limit', database: 'postgres', processes: 3, limit: 100, sent: 300, statuses },
        `redis-limit: 300 creates spread over 3 server processes sharing Redis, limit 100/hour: ${passed} passed, ${statuses[429] ?? 0} refused 429 ${passed === 100 ? 'OK' : 'FAILED'} (${JSON.stringify(statuses)})`);
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  });
}

/** Callback receiver down for a while (default 60 s): every callback arrives once it is back. */
async function receiverDown() {
  const DOWN_S = Number(process.env.BENCH_RECEIVER_DOWN_S ?? 60);
  const N = 200;
  return withStorage('postgres', async (storage) => {
    const seeded = await seed(storage, 1);
    const receiver = await startCallbackReceiver();
    const server = await startServer({ ...storageEnv(storage), GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_CALLBACK_INLINE_MS: '0', GREENLIGHT_DELIVERY_SCHEDULE: RETRY('3s') });
    try {
      const ids = await createMany(server.url, seeded.keys, N, (i) => ({ callback_url: `${receiver.url}/cb/${i}` }));
      await receiver.setDown(true);
      const t0 = Date.now();
      let decided = 0;
      for (const id of ids) if ((await decide(server.url, seeded.decider, id)) === 200) decided++;
      await sleep(Math.max(0, DOWN_S * 1000 - (Date.now() - t0)));
      await receiver.setDown(false);
      const t1 = Date.now();
      while (receiver.arrivals.size < decided && Date.now() - t1 < 20_000) await sleep(100);
      const lost = decided - receiver.arrivals.size;
      record('faults', { fault: 'receiver-down', database: 'postgres', down_seconds: DOWN_S, decided, received: receiver.arrivals.size, lost },
        `receiver-down: ${decided} decisions, receiver refusing connections for ${DOWN_S} s; ${receiver.arrivals.size} callbacks arrived within ${((Date.now() - t1) / 1000).toFixed(1)} s of its return; lost ${lost} ${lost === 0 ? 'OK' : 'FAILED'}`);
    } finally {
      await server.stop();
      await receiver.close();
    }
  });
}

const pgCluster = () => execFileSync('ls', ['/etc/postgresql'], { encoding: 'utf8' }).trim().split('\n')[0]!;
async function pgReady(url: string, timeoutMs: number) {
  const pg = (await import('pg')).default;
  const end = Date.now() + timeoutMs;
  for (;;) {
    const c = new pg.Client({ connectionString: url });
    try {
      await c.connect();
      await c.query('SELECT 1');
      await c.end();
      return;
    } catch (err) {
      await c.end().catch(() => {});
      if (Date.now() > end) throw err;
      await sleep(250);
    }
  }
}

/** Postgres restarted under create load: the server recovers without a restart, no committed write lost. */
async function pgRestart() {
  return withStorage('postgres', async (storage) => {
    const seeded = await seed(storage, 8);
    const idsFile = path.join(os.tmpdir(), `bench-ids-${process.pid}-pgr`);
    rmSync(idsFile, { force: true });
    const server = await startServer(storageEnv(storage));
    try {
      const loading = load({ url: server.url, keys: seeded.keys, connections: 16, seconds: 15, idsFile });
      await sleep(4000);
      try {
        execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', pgCluster(), 'main', 'restart'], { stdio: 'inherit', timeout: 60_000 });
      } finally {
        await pgReady(storage.DATABASE_URL!, 60_000);
      }
      const fig = await loading;
      // Still the same process: a create must succeed without restarting it.
      let recovered = false;
      const t0 = Date.now();
      while (!recovered && Date.now() - t0 < 15_000) {
        const res = await fetch(`${server.url}/api/v1/approvals`, {
          method: 'POST',
          headers: { authorization: `Bearer ${seeded.keys[0]}`, 'content-type': 'application/json' },
          body: JSON.stringify({ title: 'after restart', description: 'x', priority: 'low' }),
        }).catch(() => undefined);
        recovered = res?.status === 201;
        if (!recovered) await sleep(250);
      }
      const ids = readIds(idsFile, fig.statuses['201'] ?? 0);
      rmSync(idsFile, { force: true });
      const present = await countPresent(storage, ids);
      const lost = ids.length - present;
      const ok = recovered && ids.length > 0 && lost === 0 && server.child.exitCode === null;
      record('faults', { fault: 'pg-restart', database: 'postgres', answered_201: ids.length, present, lost, statuses: fig.statuses, errors: fig.errors, recovered },
        `pg-restart: Postgres restarted 4 s into 15 s of create load (16 connections); server ${recovered ? 'answered 201 again without a restart' : 'did NOT recover'}; ${ids.length} answered 201, ${present} present, lost ${lost}; during the outage: ${JSON.stringify(fig.statuses)}, ${fig.errors} socket errors ${ok ? 'OK' : 'FAILED'}`);
    } finally {
      await server.stop();
    }
  });
}

/**
 * 10,000 fuzzed requests to every route of the contract (the generator of http/fuzz.security.test.ts),
 * one at a time: every answer below 500, every 4xx in the envelope, the server healthy afterwards.
 * Invalid credentials are not rate-limited here, so the run reaches the routes rather than 429s.
 */
const FUZZ_REQUESTS = 10_000;
async function fuzz(kind: Kind) {
  return withStorage(kind, async (storage) => {
    const seeded = await seed(storage, 1);
    const server = await startServer({ ...storageEnv(storage), GREENLIGHT_AUTH_FAILURES_PER_IP: '100000000' });
    try {
      const created = await fetch(`${server.url}/api/v1/approvals`, {
        method: 'POST',
        headers: { authorization: `Bearer ${seeded.keys[0]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'fuzz', description: 'target', priority: 'low' }),
      });
      const ctx: FuzzContext = { url: server.url, key: seeded.keys[0]!, ids: [((await created.json()) as { id: string }).id] };
      const statuses: Record<string, number> = {};
      const failures: string[] = [];
      const t0 = Date.now();
      for (const request of sampleFuzzRequests(ctx, FUZZ_REQUESTS, 20261122)) {
        const res = await sendFuzzed(ctx, request);
        const status = res === 'streaming' ? 'stream' : String(res.status);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (res === 'streaming') continue;
        const problem = answerProblem(res, request);
        if (problem) failures.push(`${request.method.toUpperCase()} ${request.path.slice(0, 120)}: ${problem}`);
      }
      const seconds = Number(((Date.now() - t0) / 1000).toFixed(1));
      const healthy = (await fetch(`${server.url}/readyz`)).status === 200;
      record('faults', { fault: 'fuzz', database: kind, requests: FUZZ_REQUESTS, seconds, statuses, failures: failures.length, healthy, first_failures: failures.slice(0, 5) },
        `${kind}: ${FUZZ_REQUESTS} fuzzed requests in ${seconds} s, ${failures.length} answered 5xx or without the envelope; healthy afterwards: ${healthy}`);
    } finally {
      await server.stop();
    }
  });
}

const FAULTS: Record<string, () => Promise<void>> = {
  'kill-create': async () => {
    await killCreate('pglite');
    await killCreate('postgres');
  },
  'kill-deliveries': async () => {
    await killDeliveries('pglite');
    await killDeliveries('postgres');
  },
  'redis-limit': redisLimit,
  'receiver-down': receiverDown,
  'pg-restart': pgRestart,
  fuzz: async () => {
    await fuzz('pglite');
    await fuzz('postgres');
  },
};
const chosen = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(FAULTS);
for (const name of chosen) {
  const run = FAULTS[name];
  if (!run) throw new Error(`unknown fault "${name}"; one of ${Object.keys(FAULTS).join(', ')}`);
  await run();
}
