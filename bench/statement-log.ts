/**
 * Diagnostic, not part of `pnpm bench`: what every request costs Postgres, statement by statement,
 * split into parsing, planning (`bind`) and running, from Postgres's own statement log. Runs another
 * bench script (`tsx statement-log.ts waiter-latency.ts`, with that script's BENCH_* settings kept
 * short: `BENCH_W1_SECONDS=8 BENCH_W1_ROUNDS=1`) with `log_min_duration_statement = 0` set for the
 * cluster (ALTER SYSTEM and a reload, reset afterwards, also on Ctrl-C), then reads what the log
 * gained. Unlike pg_stat_statements it needs no restart, and it shows a statement sent without a name
 * (`<unnamed>`), which Postgres parses and plans again on every call: the first thing to look for.
 *
 * Each connection's first six calls of a statement are left out of the figures: Postgres plans a
 * prepared statement's first five calls for their values and makes its generic plan at the sixth.
 * The inner script's line in results/ is removed again: a run under the log is slower and is not a
 * figure. The log is read from BENCH_PG_LOG, else the file Postgres says it writes
 * (`pg_current_logfile()`, with the logging collector on), else Debian's
 * /var/log/postgresql/postgresql-<major>-main.log. Its lines must hold the backend's pid (`%p`) and
 * database (`%d`), as Debian's default `log_line_prefix` does.
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, readdirSync, readSync, rmSync, statSync, truncateSync, closeSync } from 'node:fs';
import path from 'node:path';
import { HERE, median, PG_ADMIN_URL, pgQuery } from './lib.ts';

const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error('usage: tsx statement-log.ts <bench script> [its arguments]');
  process.exit(2);
}
const TOP = Number(process.env.BENCH_STATEMENTS_TOP ?? 25);
const WARM_CALLS = 6;

const admin = pgQuery(PG_ADMIN_URL);

async function logFile(): Promise<string> {
  if (process.env.BENCH_PG_LOG) return process.env.BENCH_PG_LOG;
  const current = (await admin<{ f: string | null; dir: string; v: string }>(
    `SELECT pg_current_logfile() AS f, current_setting('data_directory') AS dir, current_setting('server_version_num') AS v`,
  ))[0]!;
  if (current.f) return path.resolve(current.dir, current.f);
  return `/var/log/postgresql/postgresql-${Math.floor(Number(current.v) / 10000)}-main.log`;
}

// ALTER SYSTEM cannot run in a transaction block: each statement on its own.
const setLogging = async (on: boolean) => {
  await admin(on ? 'ALTER SYSTEM SET log_min_duration_statement = 0' : 'ALTER SYSTEM RESET log_min_duration_statement');
  await admin('SELECT pg_reload_conf()');
};

function readFrom(file: string, offset: number): string {
  const fd = openSync(file, 'r');
  try {
    const size = statSync(file).size;
    const buf = Buffer.alloc(Math.max(0, size - offset));
    readSync(fd, buf, 0, buf.length, offset);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** The results files' sizes, so that the inner script's lines can be taken out again. */
function resultsSizes(): Map<string, number> {
  const dir = path.join(HERE, 'results');
  if (!existsSync(dir)) return new Map();
  return new Map(readdirSync(dir).filter((f) => f.endsWith('.jsonl')).map((f) => [path.join(dir, f), statSync(path.join(dir, f)).size]));
}

function restoreResults(before: Map<string, number>): void {
  for (const [file, size] of resultsSizes()) {
    const was = before.get(file);
    if (was === undefined) rmSync(file);
    else if (size !== was) truncateSync(file, was);
  }
}

interface Entry {
  pid: string;
  db: string;
  ms: number;
  phase: string;
  name: string;
  text: string;
}

const LINE = /\sLOG:\s+duration: ([0-9.]+) ms\s+(parse|bind|execute|statement)(?: ([^:]*))?: ?(.*)$/;
const PID = /\[(\d+)\]/;
const DB = /@(\S+)\s+LOG:/;

function parseLog(text: string): Entry[] {
  const entries: Entry[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (m) {
      const prefix = line.slice(0, m.index + 1);
      entries.push({ pid: PID.exec(prefix)?.[1] ?? '?', db: DB.exec(line)?.[1] ?? '?', ms: Number(m[1]), phase: m[2]!, name: (m[3] ?? '').trim(), text: m[4]!.trim() });
    } else if (line.startsWith('\t') && entries.length > 0) {
      // A statement's text goes on over tab-indented lines: its first words name it.
      const last = entries.at(-1)!;
      if (last.text.length < 120) last.text = `${last.text} ${line.trim()}`.trim();
    }
  }
  return entries;
}

function report(entries: Entry[]): void {
  const calls = new Map<string, number>();
  const byStatement = new Map<string, { db: string; name: string; text: string; phases: Map<string, number[]> }>();
  for (const e of entries) {
    const unnamed = e.name === '' || e.name === '<unnamed>';
    const label = unnamed ? `<unnamed> ${e.text.replace(/\s+/g, ' ').slice(0, 90)}` : e.name;
    const seen = `${e.pid}\n${e.phase}\n${label}`;
    const n = (calls.get(seen) ?? 0) + 1;
    calls.set(seen, n);
    if (n <= WARM_CALLS) continue;
    const key = `${e.db}\n${label}`;
    let s = byStatement.get(key);
    if (!s) byStatement.set(key, (s = { db: e.db, name: unnamed ? '<unnamed>' : e.name, text: e.text.replace(/\s+/g, ' ').slice(0, 90), phases: new Map() }));
    const list = s.phases.get(e.phase) ?? [];
    list.push(e.ms);
    s.phases.set(e.phase, list);
  }
  const rows = [...byStatement.values()].map((s) => {
    const ph = (p: string) => s.phases.get(p) ?? [];
    const n = Math.max(ph('execute').length, ph('statement').length, ph('bind').length);
    const total = [...s.phases.values()].flat().reduce((a, b) => a + b, 0);
    // In µs: the bench's median keeps two decimals, and a kept plan's bind takes about 0.01 ms.
    const med = (xs: number[]) => (xs.length === 0 ? null : median(xs.map((x) => x * 1000)));
    return { ...s, n, total, parse: med(ph('parse')), bind: med(ph('bind')), run: med(ph('execute').length ? ph('execute') : ph('statement')) };
  });
  // `-`: not seen after the first calls (a prepared statement is parsed once per connection).
  const us = (x: number | null) => (x === null ? '-' : x.toFixed(0)).padStart(7);
  const print = (list: typeof rows) => {
    console.log('  calls   total ms  parse µs bind µs  run µs  statement');
    for (const r of list) {
      console.log(
        `${String(r.n).padStart(7)} ${r.total.toFixed(1).padStart(10)} ${us(r.parse)} ${us(r.bind)} ${us(r.run)}  ${r.name === '<unnamed>' ? '<unnamed> ' : `${r.name}: `}${r.text}`,
      );
    }
  };
  for (const db of [...new Set(rows.map((r) => r.db))].sort()) {
    const mine = rows.filter((r) => r.db === db).sort((a, b) => b.total - a.total);
    console.log(`\n== ${db}: the costliest statements after each connection's first ${WARM_CALLS} calls (medians per call) ==`);
    print(mine.slice(0, TOP));
    // BEGIN and COMMIT come as simple queries: nothing to parse or plan.
    const replanning = (r: (typeof rows)[number]) => ((r.parse ?? 0) + (r.bind ?? 0)) * r.n;
    const replanned = mine.filter((r) => r.name === '<unnamed>' && r.n >= 20 && replanning(r) > 0).sort((a, b) => replanning(b) - replanning(a));
    if (replanned.length > 0) {
      console.log(`-- sent unnamed, so parsed and planned on every call (20 calls or more):`);
      print(replanned.slice(0, TOP));
    }
  }
}

const file = await logFile();
if (!existsSync(file)) {
  console.error(`no Postgres log at ${file}: set BENCH_PG_LOG`);
  process.exit(2);
}
const offset = statSync(file).size;
const results = resultsSizes();
await setLogging(true);
const reset = () => setLogging(false).catch((err: unknown) => console.error('could not reset log_min_duration_statement:', err));
process.once('SIGINT', () => void reset().finally(() => process.exit(130)));
let code: number | null = null;
try {
  code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, path.join(HERE, script), ...args], { stdio: 'inherit', cwd: HERE });
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
} finally {
  await reset();
  restoreResults(results);
}
report(parseLog(readFrom(file, offset)));
if (code !== 0) {
  console.error(`${script} exited with ${code}`);
  process.exit(1);
}
