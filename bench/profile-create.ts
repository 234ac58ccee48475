/**
 * CPU profile of the server under create load: `tsx profile-create.ts [pglite|postgres] [RATE]` (RATE paces
 * the load in requests/s, as P2 does; without it the load is as fast as 64 connections go). Runs the server
 * as the benches do (the bundle with the start script's options; BENCH_SERVER=tsx runs the sources) with
 * --cpu-prof, loads it for BENCH_SECONDS, stops it and prints the functions with the most self time (the
 * .cpuprofile is kept in results/profiles/ for Chrome DevTools). Not part of `pnpm bench`.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createDatabase, frameArea, frameName, HERE, load, seed, SECONDS, startServer, storageEnv, tempDataDir, LOAD_KEYS, topSelfTime, type CpuProfile } from './lib.ts';

const kind = process.argv[2] === 'postgres' ? 'postgres' : 'pglite';
const dir = path.join(HERE, 'results', 'profiles', `${kind}-${Date.now()}`);
mkdirSync(dir, { recursive: true });
const pgdb = kind === 'postgres' ? await createDatabase('profile') : undefined;
const data = tempDataDir();
try {
  const storage = { DATABASE_URL: pgdb?.url, GREENLIGHT_DATA_DIR: data.dir };
  const seeded = await seed(storage, LOAD_KEYS);
  const server = await startServer(storageEnv(storage), undefined, { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  const url = server.url;
  const rate = process.argv[3] ? Number(process.argv[3]) : undefined;
  const fig = await load({ url, keys: seeded.keys, connections: 64, seconds: SECONDS, rate });
  await server.stop();
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no profile written');
  const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
  const total = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
  console.log(`${kind}: ${fig.rps} req/s (p50 ${fig.p50_ms} ms, p99 ${fig.p99_ms} ms) during the profile; top self time of ${total} samples:`);
  for (const line of topSelfTime(profile, frameName, 25)) console.log(line);
  // The same samples by where the code lives: tells "inside the database engine" from "in our JavaScript".
  console.log('by area:');
  for (const line of topSelfTime(profile, frameArea, 15)) console.log(line);
  console.log(`profile: ${path.join(dir, file)}`);
} finally {
  data.remove();
  await pgdb?.drop();
}
