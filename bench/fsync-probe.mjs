// Diagnostic, not part of `pnpm bench`: how long fdatasync takes on this machine's disk, and when it
// stalls. Writes 16 kB and syncs, back to back, for BENCH_SECONDS (default 30) in the directory given
// (default: the OS temp dir; pass Postgres's data directory's disk to measure what a commit waits on).
// `node bench/fsync-probe.mjs /var/lib/postgresql`
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const dir = mkdtempSync(path.join(process.argv[2] ?? tmpdir(), 'fsync-probe-'));
const file = path.join(dir, 'probe');
const fd = openSync(file, 'w');
const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const buf = Buffer.alloc(16384, 120);
const lat = [];
const stalls = [];
const t0 = performance.now();
let off = 0;
try {
  while (performance.now() - t0 < seconds * 1000) {
    writeSync(fd, buf, 0, buf.length, off);
    off = (off + buf.length) % (16 << 20);
    const t = performance.now();
    fdatasyncSync(fd);
    const ms = performance.now() - t;
    lat.push(ms);
    if (ms > 20) stalls.push(`${((t - t0) / 1000).toFixed(1)} s: ${Math.round(ms)} ms`);
  }
} finally {
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
}
lat.sort((a, b) => a - b);
const pct = (p) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))].toFixed(2);
console.log(`${lat.length} syncs in ${seconds} s: p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${lat.at(-1).toFixed(1)} ms`);
console.log(`stalls over 20 ms: ${stalls.length ? stalls.join(', ') : 'none'}`);
