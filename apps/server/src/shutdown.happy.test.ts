/**
 * SIGTERM under load, as an orchestrator stops a replica: automations keep creating and deciding,
 * and a client long-polls on a kept-alive connection. The process must finish what it accepted,
 * refuse what comes after, and exit 0 without waiting on the polling client; after a restart every
 * request that was answered is there as answered, and every decided request's callback arrives.
 * Runs on PGlite (a data directory, as `pnpm start` uses it) and on Postgres (a fresh database).
 *
 * And SIGTERM under keep-alive load, as clients behind a connection pool send: every request written
 * to a kept-alive connection is answered (the last one on each connection with `Connection: close`),
 * and a client that comes back after the drain finds the port closed, never a connection reset.
 */
import { request, Agent } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedOrg } from './testing/harness.ts';
import { processStorage, type ProcessStorage } from './testing/process-storage.ts';
import { spawnServer, type SpawnedServer } from './testing/spawn-server.ts';
import { startReceiver, type TestReceiver } from './testing/receiver.ts';

let storage: ProcessStorage;
let receiver: TestReceiver;
let requesterKey: string;
let approverKey: string;
const processes: SpawnedServer[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
  storage = await processStorage('shutdown', async (db) => {
    const org = await seedOrg(db, 'Shutdown');
    requesterKey = org.key;
    approverKey = (await org.newKey({ name: 'approver' })).key;
  });
}, 60_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await receiver.close();
  await storage?.drop();
}, 60_000);

const env = () => ({
  ...storage.env,
  GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8',
  GREENLIGHT_DELIVERY_SCHEDULE: '0,200ms,200ms,200ms,200ms,200ms',
  GREENLIGHT_DELIVERY_SWEEP_MS: '200',
});

type Answer = { status: number; body: string } | { error: string };

/** One request; `agent: false` opens a connection for it alone (no reuse race with the closing server). */
function send(port: number, method: string, path: string, key: string, body?: unknown, agent: Agent | false = false): Promise<Answer> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: { authorization: `Bearer ${key}`, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
        res.on('error', (err: NodeJS.ErrnoException) => resolve({ error: `response ${err.code ?? err.message}` }));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end(payload);
  });
}

it('SIGTERM under create, decide and long-poll load: exits 0, loses no answered request and no callback', async () => {
  const first = await spawnServer(env(), { timeoutMs: 120_000 });
  processes.push(first);

  const created: string[] = [];
  const decided: string[] = [];
  const unanswered: string[] = [];
  const answeredOther: number[] = [];
  let stop = false;
  let n = 0;

  // Automations: create (half with a decision right after), on a new connection each time.
  const automation = async () => {
    while (!stop) {
      const i = ++n;
      const r = await send(first.port, 'POST', '/api/v1/approvals', requesterKey, {
        title: `Deploy ${i}`,
        description: 'Ship it',
        priority: 'high',
        external_id: `shutdown-${i}`,
        callback_url: `${receiver.url}/cb`,
      });
      if ('error' in r) {
        unanswered.push(r.error);
        await new Promise((res) => setTimeout(res, 20));
        continue;
      }
      if (r.status !== 201) {
        answeredOther.push(r.status);
        continue;
      }
      const id = (JSON.parse(r.body) as { id: string }).id;
      created.push(id);
      if (i % 2 === 0) {
        const d = await send(first.port, 'PATCH', `/api/v1/approvals/${id}`, approverKey, { decision: 'approve' });
        if ('error' in d) unanswered.push(d.error);
        else if (d.status === 200) decided.push(id);
        else answeredOther.push(d.status);
      }
    }
  };

  // A client long-polling one request that nobody decides, on one kept-alive connection.
  const pending = await send(first.port, 'POST', '/api/v1/approvals', requesterKey, { title: 'Left pending', description: 'Nobody decides this one', priority: 'low' });
  const pendingId = (JSON.parse((pending as { body: string }).body) as { id: string }).id;
  const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
  const polls: Answer[] = [];
  const poller = async () => {
    while (!stop) {
      const r = await send(first.port, 'GET', `/api/v1/approvals/${pendingId}/wait?timeout=30`, requesterKey, undefined, keepAlive);
      polls.push(r);
      if ('error' in r) return;
    }
  };

  const load = [...Array.from({ length: 6 }, automation), poller()];
  // Enough load that requests are in flight when the signal lands.
  const deadline = Date.now() + 60_000;
  while (created.length < 40 && answeredOther.length === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
  expect({ answeredOther, created: Math.min(created.length, 40) }).toEqual({ answeredOther: [], created: 40 });
  first.child.kill('SIGTERM');
  // Exit code 0: the drain finished; 1 would be the 15 s limit of main.ts, held open by a connection.
  expect(await first.exited).toEqual({ code: 0, signal: null });
  stop = true;
  await Promise.all(load);
  keepAlive.destroy();

  // Every answer was the expected success: nothing was cut off into an error status.
  expect(answeredOther).toEqual([]);
  // What got no answer never reached the app: refused (the listener had closed), or reset before it was read.
  expect(new Set(unanswered)).toSatisfy((codes: Set<string>) => [...codes].every((c) => c === 'ECONNREFUSED' || c === 'ECONNRESET'));
  // The long poll in flight was answered (still pending), and the connection it came on was closed after it.
  const answeredPolls = polls.filter((p): p is { status: number; body: string } => 'status' in p);
  expect(answeredPolls.length).toBeGreaterThanOrEqual(1);
  for (const p of answeredPolls) expect(p.status).toBe(200);
  expect(polls.at(-1)).toEqual({ error: 'ECONNREFUSED' });

  // A restart on the same data: every answered create and decision is there as answered.
  const second = await spawnServer(env(), { timeoutMs: 120_000 });
  processes.push(second);
  for (const id of created) {
    const r = await send(second.port, 'GET', `/api/v1/approvals/${id}`, requesterKey);
    expect(r).toMatchObject({ status: 200 });
    const status = (JSON.parse((r as { body: string }).body) as { status: string }).status;
    expect(status).toBe(decided.includes(id) ? 'approved' : 'pending');
  }
  // …and every decided request's callback reaches the automation (at least once).
  const calledBack = () =>
    new Set(
      receiver.received
        .map((r) => JSON.parse(r.body) as { type: string; data: { approval_id: string } })
        .filter((p) => p.type === 'approval.approved')
        .map((p) => p.data.approval_id),
    );
  await receiver.until(() => decided.every((id) => calledBack().has(id)), 60_000);
  expect(decided.length).toBeGreaterThan(0);
  await second.stop();
}, 300_000);

it('SIGTERM under keep-alive load: every request sent on a kept-alive connection is answered, none is reset', async () => {
  const server = await spawnServer(env(), { timeoutMs: 120_000 });
  processes.push(server);
  // Pools as HTTP clients keep them: a few connections each, reused request after request.
  const pools = Array.from({ length: 3 }, () => new Agent({ keepAlive: true, maxSockets: 4 }));
  const answers: number[] = [];
  const failures: string[] = [];
  let stop = false;
  let n = 0;
  const client = async (pool: Agent) => {
    while (!stop) {
      const i = ++n;
      const r =
        i % 3 === 0
          ? await send(server.port, 'POST', '/api/v1/approvals', requesterKey, { title: `Keep-alive ${i}`, description: 'Pooled', priority: 'low' }, pool)
          : await send(server.port, 'GET', '/api/v1/approvals?page_size=1', requesterKey, undefined, pool);
      if ('error' in r) {
        failures.push(r.error);
        // Refused: the listener is closed, and so is every connection the pool had. This client is done.
        if (r.error === 'ECONNREFUSED') return;
        continue;
      }
      answers.push(r.status);
    }
  };
  const load = pools.flatMap((pool) => Array.from({ length: 4 }, () => client(pool)));
  const deadline = Date.now() + 60_000;
  while (answers.length < 300 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
  expect(answers.length).toBeGreaterThanOrEqual(300);
  const before = answers.length;
  server.child.kill('SIGTERM');
  expect(await server.exited).toEqual({ code: 0, signal: null });
  stop = true;
  await Promise.all(load);
  for (const pool of pools) pool.destroy();

  // Requests kept arriving on the open connections while the server drained, and each was answered.
  expect(answers.length).toBeGreaterThan(before);
  expect(answers.filter((s) => s !== 200 && s !== 201)).toEqual([]);
  // Nothing was cut off: the only failure is the port refusing a new connection after the exit.
  expect(failures.filter((f) => f !== 'ECONNREFUSED')).toEqual([]);
}, 300_000);
