/**
 * What the server allocates per create: `tsx profile-alloc.ts [RATE]`. Runs the bundle on Postgres as
 * `pnpm start` does, with V8's sampling heap profiler preloaded (alloc-prof.mjs, which counts objects
 * already collected too), warms it up, loads it with creates for BENCH_SECONDS (64 connections; RATE
 * paces them), and prints the bytes allocated per create and the functions and packages that allocated
 * most. Every byte allocated is one a scavenge passes over: with the start script's 8 MB semi-spaces,
 * allocation is what the throughput pays for the memory target. Not part of `pnpm bench`.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createDatabase, frameArea, frameName, HERE, load, seed, SECONDS, sleep, startServer, tempDataDir, LOAD_KEYS, type CallFrame } from './lib.ts';

interface HeapNode { callFrame: CallFrame; selfSize: number; children: HeapNode[] }
const dir = path.join(HERE, 'results', 'profiles');
mkdirSync(dir, { recursive: true });
const file = path.join(dir, `alloc-${Date.now()}.heapprofile`);
const pgdb = await createDatabase('alloc');
const data = tempDataDir();
try {
  const storage = { DATABASE_URL: pgdb.url, GREENLIGHT_DATA_DIR: data.dir };
  const seeded = await seed(storage, LOAD_KEYS);
  const server = await startServer({ DATABASE_URL: pgdb.url, BENCH_ALLOC_PROF_FILE: file }, undefined, {
    nodeArgs: ['--import', pathToFileURL(path.join(HERE, 'alloc-prof.mjs')).href],
  });
  try {
    await load({ url: server.url, keys: seeded.keys, connections: 64, seconds: 3 });
    server.child.kill('SIGUSR2');
    const rate = process.argv[2] ? Number(process.argv[2]) : undefined;
    const fig = await load({ url: server.url, keys: seeded.keys, connections: 64, seconds: SECONDS, rate });
    server.child.kill('SIGUSR2');
    for (let i = 0; !existsSync(file); i++) {
      if (i > 300) throw new Error('no profile written');
      await sleep(100);
    }
    await sleep(500);
    const root = (JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode }).head;
    const byFn = new Map<string, number>();
    const byArea = new Map<string, number>();
    let total = 0;
    const walk = (n: HeapNode) => {
      total += n.selfSize;
      const key = frameName(n.callFrame);
      byFn.set(key, (byFn.get(key) ?? 0) + n.selfSize);
      const area = frameArea(n.callFrame);
      byArea.set(area, (byArea.get(area) ?? 0) + n.selfSize);
      n.children.forEach(walk);
    };
    walk(root);
    const created = fig.statuses['201'] ?? 0;
    console.log(`${fig.rps} creates/s (p50 ${fig.p50_ms} ms, p99 ${fig.p99_ms} ms), ${created} created; allocated ${(total / 1e6).toFixed(1)} MB = ${Math.round(total / Math.max(created, 1))} B per create`);
    const show = (m: Map<string, number>, n: number) => {
      for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) {
        console.log(`${((100 * v) / total).toFixed(1).padStart(5)} %  ${String(Math.round(v / Math.max(created, 1))).padStart(6)} B  ${k}`);
      }
    };
    show(byFn, 40);
    console.log('by area:');
    show(byArea, 15);
    console.log(`profile: ${file}`);
  } finally {
    await server.stop();
  }
} finally {
  data.remove();
  await pgdb.drop();
}
