/**
 * First benchmark: create-approval throughput and latency on the embedded database (or on
 * Postgres with BENCH_DATABASE_URL), load from a separate process. Issue 10 extends this
 * with the bare-app baselines and the full P1–P6 table.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { harness } from '@greenlight/server';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
// The key's hourly limit caps the run: 10,000 is the most a connection may have.
const MAX_REQUESTS = 9_500;

if (process.env.BENCH_DATABASE_URL) process.env.GREENLIGHT_TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL;
const server = await harness.startTestServer({ config: { NODE_ENV: 'production' } });
try {
  const seed = await harness.seedOrg(server.db, 'Bench');
  const out = execFileSync(
    process.execPath,
    [fileURLToPath(new URL('./load.mjs', import.meta.url)), server.url, seed.key, String(CONCURRENCY), String(MAX_REQUESTS), String(SECONDS)],
    { encoding: 'utf8' },
  );
  const figures = JSON.parse(out.trim());
  const row = {
    at: new Date().toISOString(),
    bench: 'create-approvals',
    database: server.db.kind,
    concurrency: CONCURRENCY,
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
    ...figures,
  };
  mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
  appendFileSync(fileURLToPath(new URL('./results/create-approvals.jsonl', import.meta.url)), JSON.stringify(row) + '\n');
  console.log(`create-approvals on ${row.database}: ${row.rps} req/s, p50 ${row.p50_ms} ms, p99 ${row.p99_ms} ms, ${row.errors} errors (${row.requests} requests, ${CONCURRENCY} concurrent)`);
} finally {
  await server.stop();
}
