/**
 * Diagnostic, not part of `pnpm bench`: P1 again, on a database where the two commit-serializing
 * mechanisms of the create path are switched off, to measure what they cost:
 *   - 004's per-org advisory lock (events_take_id), held from the event insert through the commit;
 *   - 003's pg_notify in the fan-out trigger, whose NOTIFY queue lock (one per cluster) is held through the commit.
 * Only this throwaway database is altered; the comparison is bare vs as-shipped vs without-locks, in one run.
 */
import pg from 'pg';
import { cpuSeconds, PG_ADMIN_URL, sampleWaits, createDatabase, load, record, seed, SECONDS, startHelper, startServer, storageEnv } from './lib.ts';

const CONNECTIONS = 64;

async function serverRps(alter: boolean) {
  const database = await createDatabase(alter ? 'whatif' : 'asis');
  try {
    const storage = { DATABASE_URL: database.url, GREENLIGHT_DATA_DIR: '/nonexistent' };
    const seeded = await seed(storage, 16);
    if (alter) {
      const c = new pg.Client({ connectionString: database.url });
      await c.connect();
      await c.query(`DROP TRIGGER events_take_id ON events`);
      await c.query(`ALTER TABLE events ALTER COLUMN id SET DEFAULT nextval('events_id_seq')`);
      const { rows } = await c.query<{ def: string }>(`SELECT pg_get_functiondef('events_fan_out'::regproc) AS def`);
      const def = rows[0]!.def.replace(/PERFORM pg_notify\([\s\S]*?;/, '');
      await c.query(def);
      await c.end();
    }
    const server = await startServer(storageEnv(storage));
    try {
      await load({ url: server.url, keys: seeded.keys, connections: CONNECTIONS, seconds: 2 });
      const waits = sampleWaits(PG_ADMIN_URL, new URL(database.url).pathname.slice(1));
      const cpu0 = cpuSeconds(server.child.pid!);
      const fig = await load({ url: server.url, keys: seeded.keys, connections: CONNECTIONS, seconds: SECONDS });
      const cpuPercent = Math.round((100 * (cpuSeconds(server.child.pid!) - cpu0)) / SECONDS);
      return { ...fig, cpuPercent, waits: await waits.stop() };
    } finally {
      await server.stop();
    }
  } finally {
    await database.drop();
  }
}

const bareDb = await createDatabase('bare');
let bareRps: number;
try {
  const bare = await startHelper('bare-pg.mjs', [], { DATABASE_URL: bareDb.url });
  await load({ url: bare.url, connections: CONNECTIONS, seconds: 2 });
  bareRps = (await load({ url: bare.url, connections: CONNECTIONS, seconds: SECONDS })).rps;
  await bare.stop();
} finally {
  await bareDb.drop();
}
const asShipped = await serverRps(false);
const without = await serverRps(true);
record(
  'whatif-create',
  { database: 'postgres', connections: CONNECTIONS, seconds: SECONDS, bare_rps: bareRps, as_shipped_rps: asShipped.rps, without_locks_rps: without.rps, without_locks_p99_ms: without.p99_ms,
    as_shipped_server_cpu_percent: asShipped.cpuPercent, without_locks_server_cpu_percent: without.cpuPercent,
    as_shipped_pg_waits: asShipped.waits, without_locks_pg_waits: without.waits },
  `create on Postgres, 64 connections: bare ${bareRps} req/s; as shipped ${asShipped.rps} (${(asShipped.rps / bareRps).toFixed(2)}×); ` +
    `without the per-org event lock and the in-transaction NOTIFY ${without.rps} (${(without.rps / bareRps).toFixed(2)}×, p99 ${without.p99_ms} ms)\n` +
    `server process CPU: as shipped ${asShipped.cpuPercent} %, without locks ${without.cpuPercent} % of one core; ` +
    `Postgres waits without locks: ${JSON.stringify(without.waits)}`,
);
