/**
 * Diagnostic (not part of `pnpm bench`): CPU per thread of the embedded server under create load, from
 * /proc/<pid>/task/<tid>/stat: the main thread, PGlite's thread (pglite-thread.ts) and V8's helpers.
 * Shows which thread limits P5. `pnpm exec tsx bench/threads.ts`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { load, seed, startServer, tempDataDir } from './lib.ts';
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
const seeded = await seed(storage, 16);
const server = await startServer(storage);
const pid = server.child.pid!;
await load({ url: server.url, keys: seeded.keys, connections: 64, seconds: 2 });
const a = threads(pid);
const f = await load({ url: server.url, keys: seeded.keys, connections: 64, seconds: 10 });
const b = threads(pid);
console.log('rps', f.rps);
for (const k of Object.keys(b)) { const d = b[k]! - (a[k] ?? 0); if (d > 0.1) console.log(k, (d / 10 * 100).toFixed(0) + '%'); }
await server.stop(); dir.remove();
