/**
 * Diagnostic, not part of `pnpm bench`: where the machine's CPU goes per create, for the bare app and
 * the server, at one evenly paced rate (default 450/s, `tsx cpu-split.ts 600`): CPU seconds of the
 * HTTP process and of all Postgres processes per request (from /proc), the machine's busy share,
 * and the latency. On a 2-core machine that also runs the load generator, this is what bounds P1
 * and gives P2 its tail. With pg_stat_statements loaded (shared_preload_libraries, and the extension
 * in the admin database), the server's costliest statements over the paced run, and their calls per create.
 */
import { cpuPerRequest, createDatabase, load, record, resetStatements, seed, startHelper, startServer, storageEnv, topStatements, LOAD_KEYS } from './lib.ts';

const RATE = Number(process.argv[2] ?? 450);
const SECS = 10;

const figures: Record<string, unknown> = { rate: RATE, seconds: SECS };
const lines: string[] = [];
for (const kind of ['bare', 'server'] as const) {
  const database = await createDatabase(`split_${kind}`);
  try {
    const storage = { DATABASE_URL: database.url, GREENLIGHT_DATA_DIR: '/nonexistent' };
    const seeded = kind === 'server' ? await seed(storage, LOAD_KEYS) : undefined;
    const proc = kind === 'server' ? await startServer(storageEnv(storage)) : await startHelper('bare-pg.mjs', [], { DATABASE_URL: database.url });
    try {
      await load({ url: proc.url, keys: seeded?.keys, connections: 64, seconds: 2 });
      const statements = kind === 'server' && (await resetStatements());
      const cost = await cpuPerRequest(
        proc.child.pid!,
        () => load({ url: proc.url, keys: seeded?.keys, connections: 64, seconds: SECS, rate: RATE }),
        (f) => f.rps * SECS,
      );
      const row = {
        http_process_ms_per_request: cost.http_process_ms,
        postgres_ms_per_request: cost.postgres_ms,
        machine_busy_percent: cost.machine_busy_percent,
        p50_ms: cost.result.p50_ms,
        p99_ms: cost.result.p99_ms,
      };
      figures[kind] = row;
      lines.push(
        `${kind.padEnd(6)} at ${RATE}/s: HTTP process ${row.http_process_ms_per_request} ms CPU/request, Postgres ${row.postgres_ms_per_request} ms CPU/request, ` +
          `machine ${row.machine_busy_percent} % busy; p50 ${row.p50_ms} ms, p99 ${row.p99_ms} ms`,
      );
      if (statements) {
        const { top, lines: topLines } = await topStatements(database.url, 20);
        figures.statements = top;
        lines.push(`statements of the paced run (${Math.round(cost.result.rps * SECS)} creates):`, ...topLines);
      }
    } finally {
      await proc.stop();
    }
  } finally {
    await database.drop();
  }
}
record('cpu-split', figures, lines.join('\n'));
