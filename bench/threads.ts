/**
 * Diagnostic (not part of `pnpm bench`): CPU per thread of the embedded server under create load, from
 * /proc/<pid>/task/<tid>/stat: the main thread, PGlite's thread (pglite-thread.ts) and V8's helpers.
 * Shows which thread limits P5. `pnpm exec tsx bench/threads.ts [RATE]`: with RATE the load is evenly paced at
 * that many requests/s (as P2), and each thread's CPU is also given per request, to compare two trees.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { load, seed, startServer, tempDataDir, LOAD_KEYS } from './lib.ts';
function threads(pid: number) {
  const out: Record<string, number> = {};
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
    const name = /\((.*)\)/.exec(stat)![1]!;
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out[`${t}:${name}`] = (Number(f[11]) + Number(f[12])) / 100;
  }
  return out;
}
const dir = tempDataDir();
const storage = { GREENLIGHT_DATA_DIR: dir.dir };
const seeded = await seed(storage, LOAD_KEYS);
const server = await startServer(storage);
const pid = server.child.pid!;
await load({ url: server.url, keys: seeded.keys, connections: 64, seconds: 2 });
const a = threads(pid);
const rate = process.argv[2] ? Number(process.argv[2]) : undefined;
const f = await load({ url: server.url, keys: seeded.keys, connections: 64, seconds: 10, rate });
const b = threads(pid);
console.log('rps', f.rps, 'p50', f.p50_ms, 'p99', f.p99_ms);
for (const k of Object.keys(b)) {
  const d = b[k]! - (a[k] ?? 0);
  if (d > 0.1) console.log(k, `${((d / 10) * 100).toFixed(0)}%`, `${Math.round((d * 1e6) / (f.rps * 10))} µs/request`);
}
await server.stop(); dir.remove();
