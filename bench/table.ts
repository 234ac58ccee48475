/**
 * Rewrites the table between the RESULTS markers in README.md from the latest line of each
 * results/*.jsonl (the latest line per fault and storage for faults.jsonl).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HERE, sustainableVerdict } from './lib.ts';

type Row = Record<string, unknown> & { at: string; machine: string };
const lines = (bench: string): Row[] => {
  const file = path.join(HERE, 'results', `${bench}.jsonl`);
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row) : [];
};
/** The latest full run: a shorter diagnostic run (fewer rounds than the bench's three) is kept in the file, not shown. */
const latest = (bench: string) => lines(bench).filter((r) => r.rounds === undefined || Number(r.rounds) >= 3).at(-1);
const verdict = (ok: boolean) => (ok ? '**met**' : '**missed**');
const n = (v: unknown) => String(v);
// A ratio's spread over the interleaved rounds, when the run recorded one.
const sp = (v: unknown) => (Array.isArray(v) ? ` (spread ${v.join('–')})` : '');
const up = (r: Row) => (r.uptime ? `; uptime ${n(r.uptime)}` : "");

// The targets are the current ones (the issue on the decision's path): each ratio to its bare app in the same run.
const out: string[] = ['| id | measure | figure | target | result | run at (machine load) |', '|---|---|---|---|---|---|'];
const c = latest('create-postgres');
const p5 = latest('embedded');
// The machine named above the table; a row run on another boot (machines here differ several-fold) names its kernel.
const machine = c?.machine ?? p5?.machine ?? '';
const kernelOf = (m: string) => /linux ([^,]+)/.exec(m)?.[1] ?? '';
const boot = (r: Row) => (kernelOf(r.machine) !== kernelOf(machine) ? `, on linux ${kernelOf(r.machine)}` : '');
const when = (r: Row) => `${r.at.slice(0, 16).replace('T', ' ')} (${/load ([\d.]+)/.exec(r.machine)?.[1] ?? '?'}${up(r)}${boot(r)})`;
if (c) {
  out.push(`| P1 | create on Postgres, ${n(c.connections)} connections | ${n(c.p1_rps)} req/s vs bare ${n(c.bare_rps)} req/s = **${n(c.p1_ratio)}×**${sp(c.p1_ratio_spread)} (8 orgs: ${n(c.p1_8orgs_ratio)}×) | ≥ 1.3×, 8 orgs ≥ 1.0× | ${verdict(Number(c.p1_ratio) >= 1.3 && Number(c.p1_8orgs_ratio) >= 1)} | ${when(c)} |`);
  out.push(`| P2 | create latency at 70 % of P1 (${n(c.p2_rate)} req/s) | p50 ${n(c.p2_p50_ms)} ms, **p99 ${n(c.p2_p99_ms)} ms**${c.bare_at_p2_rate_p99_ms !== undefined ? `; bare app at the same rate p99 ${n(c.bare_at_p2_rate_p99_ms)} ms` : ''}${c.p2_p99_ratio !== undefined ? ` = **${n(c.p2_p99_ratio)}×**${sp(c.p2_p99_ratio_spread)}` : ''} | p99 ≤ 50 ms | ${verdict(Number(c.p2_p99_ms) <= 50)} | ${when(c)} |`);
  out.push(`| P6 | server RSS under P1 load | **${n(c.p6_peak_rss_mb)} MB** peak (at ready ${n(c.ready_rss_mb)} MB) | ≤ 150 MB | ${verdict(Number(c.p6_peak_rss_mb) <= 150)} | ${when(c)} |`);
}
const p3 = latest('callback-latency');
if (p3) {
  out.push(`| P3 | decision → callback, ${n(p3.rate)}/s for ${n(p3.seconds)} s | **p50 ${n(p3.p50_ms)} ms, p99 ${n(p3.p99_ms)} ms**, lost ${n(p3.lost)}${p3.bare_p50_ms !== undefined ? `; bare Express + pg p50 ${n(p3.bare_p50_ms)}, p99 ${n(p3.bare_p99_ms)} ms = **${n(p3.p50_ratio)}×**${sp(p3.p50_ratio_spread)} and **${n(p3.p99_ratio)}×**${sp(p3.p99_ratio_spread)}` : ''} | ≤ 1.2× p50, ≤ 1.5× p99, 0 lost | ${verdict(Number(p3.p50_ratio) <= 1.2 && Number(p3.p99_ratio) <= 1.5 && p3.lost === 0)} | ${when(p3)} |`);
}
const w1 = latest('waiter-latency');
if (w1) {
  const lp = w1.long_poll as Record<string, number>;
  const es = w1.event_stream as Record<string, number>;
  out.push(`| W1 | decision → long poll and event stream on another replica, ${n(w1.rate)}/s for ${n(w1.seconds)} s | both answered p50 ${n(w1.p50_ms)}, p99 ${n(w1.p99_ms)} ms, lost ${n(w1.lost)}; bare Express + pg LISTEN/NOTIFY p50 ${n(w1.bare_p50_ms)}, p99 ${n(w1.bare_p99_ms)} ms = **${n(w1.p50_ratio)}×**${sp(w1.p50_ratio_spread)} and **${n(w1.p99_ratio)}×**${sp(w1.p99_ratio_spread)} (long poll p99 ${n(lp.p99_ms)}, stream p99 ${n(es.p99_ms)} ms; Temporal Cloud Signal p99 ${n(w1.temporal_signal_p99_ms)} ms, context) | ≤ 1.5×, 0 lost | ${verdict(Number(w1.p50_ratio) <= 1.5 && Number(w1.p99_ratio) <= 1.5 && w1.lost === 0)} | ${when(w1)} |`);
}
const n1 = latest('notify');
if (n1) {
  // Runs before the requests named their approver measured requests that name nobody, without the grace.
  const unrouted = n1.unrouted as { creates: number; grace_ms: number; p50_ms: number; p99_ms: number; lost: number } | undefined;
  const asked = unrouted ? 'requests naming their approver' : 'requests naming nobody, grace 0';
  const apart = unrouted ? `; apart, ${unrouted.creates} naming nobody wait the ${unrouted.grace_ms / 1000} s grace: p50 ${n(unrouted.p50_ms)} ms, lost ${n(unrouted.lost)}` : '';
  out.push(`| N1 | create → approver's email at the SMTP server, ${n(n1.rate)}/s for ${n(n1.seconds)} s, ${asked} | **p50 ${n(n1.p50_ms)} ms, p99 ${n(n1.p99_ms)} ms**, lost ${n(n1.lost)}; bare Express + pg sending inline p50 ${n(n1.bare_p50_ms)}, p99 ${n(n1.bare_p99_ms)} ms = **${n(n1.p50_ratio)}×**${sp(n1.p50_ratio_spread)} and **${n(n1.p99_ratio)}×**${sp(n1.p99_ratio_spread)}${apart} | ≤ 2× p50, 0 lost | ${verdict(Number(n1.p50_ratio) <= 2 && n1.lost === 0)} | ${when(n1)} |`);
}
// The full D1 (the largest policy set and 10,000 grants); runs of one decider alone are diagnostics.
const d1 = lines('deciders').findLast((r) => Number(r.policies) >= 1000 && Number(r.grants) >= 10_000);
if (d1) {
  out.push(`| D1 | create with ${n(d1.policies)} policies and ${n(d1.grants)} live grants vs none, ${n(d1.rate)}/s | p50 ${n(d1.p50_ms)} vs ${n(d1.bare_p50_ms)} ms = **${n(d1.p50_ratio)}×**${sp(d1.p50_ratio_spread)}, p99 ${n(d1.p99_ms)} vs ${n(d1.bare_p99_ms)} ms = **${n(d1.p99_ratio)}×**${sp(d1.p99_ratio_spread)} | ≤ 1.1× | ${verdict(Number(d1.p50_ratio) <= 1.1 && Number(d1.p99_ratio) <= 1.1)} | ${when(d1)} |`);
}
const p4 = latest('list-scale');
if (p4) {
  out.push(`| P4 | newest 100 pending, ${n(p4.small_rows)} vs ${n(p4.large_rows)} rows | p50 ${n(p4.small_list_p50_ms)} vs ${n(p4.large_list_p50_ms)} ms = **${n(p4.list_ratio)}×** | ≤ 1.3 | ${verdict(Number(p4.list_ratio) <= 1.3)} | ${when(p4)} |`);
  out.push(`| P4 | full-text search, ${n(p4.large_rows)} rows | selective p50 **${n(p4.search_selective_p50_ms)} ms**, broad p50 **${n(p4.search_broad_p50_ms)} ms** | p50 ≤ 50 ms | ${verdict(Math.max(Number(p4.search_selective_p50_ms), Number(p4.search_broad_p50_ms)) <= 50)} | ${when(p4)} |`);
}
if (p4?.writes_ratio !== undefined) {
  out.push(`| P4 | newest 20 pending under ${n(p4.writes_rate)} creates/s, ${n(p4.writes_large_pending)} vs ${n(p4.writes_small_pending)} pending | p50 ${n(p4.writes_large_p50_ms)} vs ${n(p4.writes_small_p50_ms)} ms = **${n(p4.writes_ratio)}×** | ≤ 1.3 | ${verdict(Number(p4.writes_ratio) <= 1.3)} | ${when(p4)} |`);
}
// P7 at its full size only (smaller runs are diagnostics).
const p7 = lines('pending-scale').findLast((r) => Number(r.large_pending) >= 1_000_000);
if (p7) {
  const under = `${n(p7.large_pending)} vs ${n(p7.small_pending)} pending, under ${n(p7.create_rate)} creates/s each`;
  out.push(`| P7 | newest 20 pending, ${under} | p50 ${n(p7.pending_large_p50_ms)} vs ${n(p7.pending_small_p50_ms)} ms = **${n(p7.pending_ratio)}×** | ≤ 1.1 | ${verdict(Number(p7.pending_ratio) <= 1.1)} | ${when(p7)} |`);
  out.push(`| P7 | inbox "waiting for me" (newest 20), ${under} | p50 **${n(p7.inbox_large_p50_ms)}** vs ${n(p7.inbox_small_p50_ms)} ms = **${n(p7.inbox_ratio)}×** | ≤ 1.1 | ${verdict(Number(p7.inbox_ratio) <= 1.1)} | ${when(p7)} |`);
  out.push(`| P7 | decide the oldest vs the newest of ${n(p7.large_pending)} pending | p50 ${n(p7.decide_oldest_p50_ms)} vs ${n(p7.decide_newest_p50_ms)} ms = **${n(p7.decide_oldest_vs_newest)}×**; newest vs the ${n(p7.small_pending)}-pending org ${n(p7.decide_large_vs_small)}× | ≤ 1.1 | ${verdict(Number(p7.decide_oldest_vs_newest) <= 1.1)} | ${when(p7)} |`);
}
// A soak run may be its ramp alone or its long run alone (BENCH_SOAK_PARTS): each row from the latest run that had it.
const soakRuns = lines('soak');
let soak = soakRuns.findLast((r) => r.sustainable_ratio !== undefined);
if (soak?.sustainable_ratio !== undefined) {
  const s1 = sustainableVerdict((soak.ramp as { rate: number }[] | undefined) ?? [], Number(soak.bare_sustainable_rps), Number(soak.sustainable_ratio));
  const result = s1.verdict === 'not shown' ? '**not shown** (the bare app held the ramp\'s top)' : verdict(s1.verdict === 'met');
  out.push(`| S1 | sustainable mixed rate (40 % create, 30 % get, 20 % pending list, 10 % decide) | ${n(soak.sustainable_rps)}/s vs bare ${n(soak.bare_sustainable_rps)}${s1.bareAtTop ? '/s or more' : '/s'} = **${n(soak.sustainable_ratio)}×**${s1.bareAtTop ? ' at most' : ''} | ≥ 0.8× | ${result} | ${when(soak)} |`);
}
soak = soakRuns.findLast((r) => r.last_over_first_p99 !== undefined);
if (soak?.last_over_first_p99 !== undefined) {
  const ok = soak.errors === 0 && Number(soak.last_over_first_p99) <= 2 && Number(soak.rss_after_first_minute_spread_percent) <= 15 && soak.callbacks_missing === 0;
  out.push(`| S2 | mixed load at ${n(soak.rate)}/s for ${n(soak.seconds)} s | errors ${n(soak.errors)}; p99 first ${n(soak.first_p99_ms)} → last ${n(soak.last_p99_ms)} ms = **${n(soak.last_over_first_p99)}×** (bare ${n(soak.bare_first_p99_ms)} → ${n(soak.bare_last_p99_ms)} ms); RSS after 1 min ±${n(soak.rss_after_first_minute_spread_percent)} %; callbacks missing ${n(soak.callbacks_missing)} of ${n(soak.callbacks_expected)} | 0 errors, ≤ 2×, ± 15 %, 0 missing | ${verdict(ok)} | ${when(soak)} |`);
}
if (p5) {
  out.push(`| P5 | embedded (PGlite) create, ${n(p5.connections)} connections | ${n(p5.rps)} req/s vs bare ${n(p5.bare_rps)} req/s = **${n(p5.ratio)}×**${sp(p5.ratio_spread)} | ≥ 0.5× | ${verdict(Number(p5.ratio) >= 0.5)} | ${when(p5)} |`);
  out.push(`| P5 | cold start to ready | ${n(p5.server_start_ms)} ms vs PGlite ${n(p5.pglite_start_ms)} ms = **${n(p5.start_ratio)}×**${sp(p5.start_ratio_spread)} | ≤ 1.5× | ${verdict(Number(p5.start_ratio) <= 1.5)} | ${when(p5)} |`);
  // Runs before the memory figures were measured have none.
  if (p5.rest_rss_mb !== undefined) {
    out.push(
      `| P5 | embedded server's RSS (buffer pool ${n(p5.shared_buffers)}) | at rest ${n(p5.rest_seconds)} s after the load **${n(p5.rest_rss_mb)} MB** vs bare ${n(p5.bare_rest_rss_mb)} MB = **${n(p5.rest_rss_ratio)}×**; ` +
        `peak under P5 **${n(p5.load_rss_mb)} MB** vs bare ${n(p5.bare_load_rss_mb)} MB = **${n(p5.load_rss_ratio)}×**; ${n(p5.rest_seconds)} s after the start (the server's on a seeded data directory) ${n(p5.started_rss_mb)} vs ${n(p5.bare_started_rss_mb)} MB | ≤ 1.2× | ` +
        `${verdict(Number(p5.rest_rss_ratio) <= 1.2 && Number(p5.load_rss_ratio) <= 1.2)} | ${when(p5)} |`,
    );
  }
}
const ret = latest('retention');
for (const r of (ret?.results as Record<string, unknown>[] | undefined) ?? []) {
  out.push(
    `| R1 | retention under creates at ${n(r.rate)}/s after ${n(r.warmup_seconds)} s of warm-up, ${n(r.kind)}, batches of ${n(r.smallest_batch)}–${n(r.batch_size)} | ` +
      `${n(r.batch_over_50_ms)} of ${n(r.batches)} batches over 50 ms; longest purge batch **${n(r.batch_max_ms)} ms** (median ${n(r.batch_p50_ms)}, p99 ${n(r.batch_p99_ms)}; ${n(r.purged_during_load)} removed); ` +
      `creates p99 ${n(r.p99_ms)} ms vs ${n(r.ref_p99_ms)} ms without retention = **${n(r.p99_ratio)}×**, max ${n(r.max_ms)} vs ${n(r.ref_max_ms)} ms = **${n(r.max_ratio)}×**; ` +
      `machine busy ${n(r.busy_percent)} %, stolen ${n(r.steal_percent)} %; during the warm-up ${n(r.warmup_batches)} batches, longest ${n(r.warmup_batch_max_ms)} ms | batch ≤ 50 ms | ${verdict(Number(r.batch_max_ms) <= 50)} | ${when(ret!)} |`,
  );
}
const faults = new Map<string, Row>();
for (const r of lines('faults')) faults.set(`${n(r.fault)} ${n(r.database)}`, r);
const faultRows = ['| fault | storage | what happened | lost | run at |', '|---|---|---|---|---|'];
for (const [, r] of [...faults].sort()) {
  const { at: _at, machine: _m, bench: _b, fault, database, lost, ...rest } = r;
  faultRows.push(`| ${n(fault)} | ${n(database)} | ${JSON.stringify(rest).replaceAll('|', '/')} | ${lost === undefined ? '—' : `**${n(lost)}**`} | ${when(r)} |`);
}
const block = `<!-- RESULTS:start (written by table.ts) -->\nMachine: ${machine.replace(/, load [\d. ]+$/, '')}\n\n${out.join('\n')}\n\n${faultRows.join('\n')}\n<!-- RESULTS:end -->`;
const readme = path.join(HERE, 'README.md');
const text = readFileSync(readme, 'utf8');
const re = /<!-- RESULTS:start[\s\S]*?<!-- RESULTS:end -->/;
writeFileSync(readme, re.test(text) ? text.replace(re, block) : `${text}\n${block}\n`);
console.log(block);
