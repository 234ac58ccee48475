/**
 * Where a create's WAL goes: the same number of creates through the server and through the bare app
 * (bare-pg.mjs), each in its own window of the WAL, read back with pg_walinspect and split by
 * resource manager, record type and relation. Only this run's database counts: records that touch
 * one of its blocks, and the records (commits) of transactions that did. Full-page images are shown
 * apart: how many a create writes depends on how soon after a checkpoint it touches a page. The WAL
 * must still be there when it is read: under heavy writes elsewhere on the cluster a checkpoint may
 * have removed it (the script then fails with "requested WAL segment … has already been removed").
 * Not in `pnpm bench`. `pnpm exec tsx bench/wal-create.ts [connections]` (default 16).
 */
import { createDatabase, load, pgQuery, record, seed, startHelper, startServer, storageEnv, uptimeLoad, LOAD_KEYS } from './lib.ts';

const CONNECTIONS = Number(process.argv[2] ?? 16);
const SECS = Number(process.env.BENCH_SECONDS ?? 5);
const database = await createDatabase('wal');
const q = pgQuery(database.url);
try {
  await q('CREATE EXTENSION IF NOT EXISTS pg_walinspect');
  const oid = (await q<{ oid: string }>('SELECT oid::text FROM pg_database WHERE datname = current_database()'))[0]!.oid;
  const storage = { DATABASE_URL: database.url, GREENLIGHT_DATA_DIR: '/nonexistent' };
  const seeded = await seed(storage, LOAD_KEYS);
  const bare = await startHelper('bare-pg.mjs', [], { DATABASE_URL: database.url });
  const server = await startServer({ ...storageEnv(storage), GREENLIGHT_DELIVERY_WORKER: 'true' });
  const lsn = async () => (await q<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l'))[0]!.l;
  const breakdown = async (from: string, to: string, requests: number) => {
    // Records of this database's blocks, and every record of a transaction that wrote one (its commit).
    const rows = await q<{ rmgr: string; type: string; rel: string; n: string; bytes: string; fpi: string }>(
      `WITH r AS (SELECT * FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn)),
            ours AS (SELECT DISTINCT xid FROM r WHERE block_ref LIKE '%/' || $3 || '/%' AND xid <> '0'),
            mine AS (SELECT r.* FROM r WHERE r.block_ref LIKE '%/' || $3 || '/%' OR (r.xid IN (SELECT xid FROM ours)))
       SELECT resource_manager AS rmgr, record_type AS type,
              COALESCE((SELECT pg_filenode_relation(0, (regexp_match(block_ref, 'rel \\d+/\\d+/(\\d+)'))[1]::oid)::text), '-') AS rel,
              count(*)::text AS n, sum(record_length)::text AS bytes, sum(fpi_length)::text AS fpi
         FROM mine GROUP BY 1, 2, 3 ORDER BY sum(record_length) DESC`,
      [from, to, oid],
    );
    const per = (x: string) => Math.round(Number(x) / requests);
    const total = rows.reduce((t, r) => t + Number(r.bytes), 0);
    const fpi = rows.reduce((t, r) => t + Number(r.fpi), 0);
    return {
      bytes_per_create: per(String(total)),
      fpi_bytes_per_create: per(String(fpi)),
      records_per_create: Number((rows.reduce((t, r) => t + Number(r.n), 0) / requests).toFixed(2)),
      by_record: rows
        .filter((r) => Number(r.bytes) / requests >= 2)
        .map((r) => ({ rmgr: r.rmgr, type: r.type, rel: r.rel, per_create: Number((Number(r.n) / requests).toFixed(2)), bytes: per(r.bytes), fpi_bytes: per(r.fpi) })),
    };
  };
  try {
    await load({ url: server.url, keys: seeded.keys, connections: CONNECTIONS, seconds: 2 });
    await load({ url: bare.url, connections: CONNECTIONS, seconds: 2 });
    let a = await lsn();
    const s = await load({ url: server.url, keys: seeded.keys, connections: CONNECTIONS, seconds: SECS });
    const serverWal = await breakdown(a, await lsn(), s.requests);
    a = await lsn();
    const b = await load({ url: bare.url, connections: CONNECTIONS, seconds: SECS });
    const bareWal = await breakdown(a, await lsn(), b.requests);
    const f = { connections: CONNECTIONS, seconds: SECS, server_creates: s.requests, bare_creates: b.requests, server: serverWal, bare: bareWal, uptime: uptimeLoad() };
    const fmt = (w: typeof serverWal) =>
      w.by_record.map((r) => `  ${r.bytes.toString().padStart(5)} B (fpi ${r.fpi_bytes}) ${r.per_create}× ${r.rmgr}/${r.type} ${r.rel}`).join('\n');
    record(
      'wal-create',
      f,
      `server: ${serverWal.bytes_per_create} B per create (${serverWal.fpi_bytes_per_create} B full-page images, ${serverWal.records_per_create} records)\n${fmt(serverWal)}\nbare: ${bareWal.bytes_per_create} B per create (${bareWal.fpi_bytes_per_create} B full-page images)\n${fmt(bareWal)}`,
    );
  } finally {
    await server.stop();
    await bare.stop();
  }
} finally {
  await database.drop();
}
