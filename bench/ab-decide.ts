/**
 * Diagnostic, not part of `pnpm bench`: a change on a decision's way, measured against the build
 * before it in the same minutes. Separate runs of P3 or W1 drift by 0.4–0.7 ms on this machine, more
 * than most changes move; two builds serving in turn do not.
 *
 * `tsx ab-decide.ts <git revision>`: the revision is checked out in a temporary worktree, installed
 * from the store (offline) and built; then that build ("before") and this checkout's bundle ("after",
 * built first when stale) each start on a fresh database of its own, which the build migrates itself
 * before it is seeded (so a revision older than a new migration still starts), as `pnpm start` runs
 * them. Requests are created with a `callback_url` on a receiver in this process (P3's shape), the
 * same number on each; decisions by another key
 * at `BENCH_AB_RATE`/s (100) in phases of `BENCH_AB_SECONDS` (10), the two builds alternating for
 * `BENCH_AB_ROUNDS` rounds (4: "before" first in even rounds). Per build, the medians over rounds of:
 * decision sent → its callback received, and → the decision's own answer (p50 and p99 each); and, round
 * by round, in how many the change was faster (lib.ts `paired`).
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { abSettings, alternatingRounds, buildRevision, createDatabase, createMany, git, median, paired, pairedLine, percentile, record, sleep, startSeeded, uptimeLoad } from './lib.ts';

const { revision: REVISION, rate: RATE, seconds: SECS, rounds: ROUNDS } = abSettings('ab-decide.ts', { rate: 100, seconds: 10, rounds: 4 });
const WARM = 100;
/** What each build runs with besides its database: callbacks allowed to the loopback receiver, a sealing key. */
const envOf = () => ({ GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_SECRET_KEY: randomBytes(32).toString('hex') });

const before = buildRevision(REVISION);
const databases: Partial<Record<'before' | 'after', Awaited<ReturnType<typeof createDatabase>>>> = {};
/** When each callback arrived, by its path's last segment (`<build>-<i>`). */
const arrived = new Map<string, number>();
const receiver = http.createServer((req, res) => {
  const name = req.url!.split('/').pop()!;
  if (!arrived.has(name)) arrived.set(name, performance.now());
  req.resume();
  req.on('end', () => res.end('ok'));
});
const servers: { stop(): Promise<void> }[] = [];
try {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverPort = (receiver.address() as { port: number }).port;
  databases.before = await createDatabase('ab_decide_before');
  databases.after = await createDatabase('ab_decide_after');
  const n = RATE * SECS;
  const bundles = { before: { bundle: before.main }, after: {} } as const;
  const side = async (which: 'before' | 'after') => {
    const { server, seeded } = await startSeeded(databases[which]!.url, envOf(), 4, bundles[which]);
    servers.push(server);
    const ids = await createMany(server.url, seeded.keys, WARM + ROUNDS * n, (i) => ({ callback_url: `http://127.0.0.1:${receiverPort}/cb/${which}-${i}` }));
    return { which, url: server.url, decider: seeded.decider, ids, next: 0 };
  };
  const builds = { before: await side('before'), after: await side('after') };
  /** `count` decisions at RATE/s on a build: p50/p99 of sent → callback received, and → answered. */
  const phase = async (build: (typeof builds)['before'], count: number) => {
    const callback: number[] = [];
    const answer: number[] = [];
    const start = performance.now();
    const inflight: Promise<void>[] = [];
    for (let j = 0; j < count; j++) {
      const wait = start + (j * 1000) / RATE - performance.now();
      if (wait > 0) await sleep(wait);
      const i = build.next++;
      const name = `${build.which}-${i}`;
      const sent = performance.now();
      inflight.push(
        (async () => {
          const res = await fetch(`${build.url}/api/v1/approvals/${build.ids[i]}`, {
            method: 'PATCH',
            headers: { authorization: `Bearer ${build.decider}`, 'content-type': 'application/json' },
            body: JSON.stringify({ decision: 'approve' }),
          });
          await res.arrayBuffer();
          if (res.status !== 200) return;
          answer.push(performance.now() - sent);
          for (let w = 0; w < 300 && !arrived.has(name); w++) await sleep(10);
          const at = arrived.get(name);
          if (at !== undefined) callback.push(at - sent);
        })(),
      );
    }
    await Promise.all(inflight);
    const of = (xs: number[]) => {
      xs.sort((a, b) => a - b);
      return { p50_ms: percentile(xs, 50), p99_ms: percentile(xs, 99), n: xs.length };
    };
    return { callback: of(callback), answer: of(answer) };
  };
  await phase(builds.before, WARM);
  await phase(builds.after, WARM);
  const rounds = await alternatingRounds(ROUNDS, (which) => phase(builds[which], n));
  const summary = (which: 'before' | 'after') => ({
    callback_p50_ms: median(rounds[which].map((x) => x.callback.p50_ms)),
    callback_p99_ms: median(rounds[which].map((x) => x.callback.p99_ms)),
    answer_p50_ms: median(rounds[which].map((x) => x.answer.p50_ms)),
    answer_p99_ms: median(rounds[which].map((x) => x.answer.p99_ms)),
    // Not answered 200, or answered without its callback arriving within 3 s.
    lost: rounds[which].reduce((t, x) => t + n - x.callback.n, 0),
  });
  const pairs = (k: 'callback' | 'answer', p: 'p50_ms' | 'p99_ms') => paired(rounds.before.map((x) => x[k][p]), rounds.after.map((x) => x[k][p]));
  const f = {
    before_commit: before.commit, after_commit: git('rev-parse', 'HEAD'), rate: RATE, seconds: SECS, rounds: ROUNDS, before: summary('before'), after: summary('after'),
    paired: { callback_p50: pairs('callback', 'p50_ms'), callback_p99: pairs('callback', 'p99_ms'), answer_p50: pairs('answer', 'p50_ms') },
    per_round: rounds, uptime: uptimeLoad(),
  };
  const line = (which: 'before' | 'after') =>
    `${which.padEnd(6)} callback p50 ${f[which].callback_p50_ms} / p99 ${f[which].callback_p99_ms} ms, answer p50 ${f[which].answer_p50_ms} / p99 ${f[which].answer_p99_ms} ms, lost ${f[which].lost}`;
  record('ab-decide', f, [`decisions at ${RATE}/s, ${ROUNDS} alternating rounds of ${SECS} s; before = ${f.before_commit.slice(0, 7)}, after = this checkout`, line('before'), line('after'), [pairedLine('callback p50', f.paired.callback_p50), pairedLine('p99', f.paired.callback_p99), pairedLine('answer p50', f.paired.answer_p50)].join('; '), `uptime: ${f.uptime}`].join('\n'));
} finally {
  await Promise.all(servers.map((s) => s.stop()));
  receiver.close();
  await Promise.all(Object.values(databases).map((d) => d.drop()));
  before.remove();
}
