/**
 * Diagnostic, not part of `pnpm bench`: a change on a decision's way, measured against the build
 * before it in the same minutes. Separate runs of P3 or W1 drift by 0.4–0.7 ms on this machine, more
 * than most changes move; two builds serving in turn from one database do not.
 *
 * `tsx ab-decide.ts <git revision>`: the revision is checked out in a temporary worktree, installed
 * from the store (offline) and built; then that build ("before") and this checkout's bundle ("after",
 * built first when stale) start on one fresh database, as `pnpm start` runs them. Requests are
 * created with a `callback_url` on a receiver in this process (P3's shape); decisions by another key
 * at `BENCH_AB_RATE`/s (100) in phases of `BENCH_AB_SECONDS` (10), the two builds alternating for
 * `BENCH_AB_ROUNDS` rounds (4: "before" first in even rounds). Per build, the medians over rounds of:
 * decision sent → its callback received, and → the decision's own answer (p50 and p99 each); and, round
 * by round, in how many the change was faster (lib.ts `paired`).
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { abSettings, alternatingRounds, buildRevision, createDatabase, createMany, git, median, paired, pairedLine, percentile, record, seed, sleep, startServer, uptimeLoad } from './lib.ts';

const { revision: REVISION, rate: RATE, seconds: SECS, rounds: ROUNDS } = abSettings('ab-decide.ts', { rate: 100, seconds: 10, rounds: 4 });
const WARM = 100;
/** One sealing key for both builds, as replicas share one: each seals what the other opens (callback secrets). */
const SECRET_KEY = randomBytes(32).toString('hex');

/** What both builds run with: one database, callbacks allowed to the loopback receiver, one sealing key. */
const envOf = (databaseUrl: string) => ({ DATABASE_URL: databaseUrl, GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_SECRET_KEY: SECRET_KEY });

const before = buildRevision(REVISION);
const database = await createDatabase('ab');
const arrived = new Map<number, number>();
const receiver = http.createServer((req, res) => {
  const n = Number(req.url!.split('/').pop());
  if (!arrived.has(n)) arrived.set(n, performance.now());
  req.resume();
  req.on('end', () => res.end('ok'));
});
try {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverPort = (receiver.address() as { port: number }).port;
  const storage = { DATABASE_URL: database.url, GREENLIGHT_DATA_DIR: '/nonexistent' };
  const seeded = await seed(storage, 4);
  const builds = { before: await startServer(envOf(database.url), undefined, { bundle: before.main }), after: await startServer(envOf(database.url)) };
  try {
    const n = RATE * SECS;
    const ids = await createMany(builds.before.url, seeded.keys, 2 * WARM + 2 * ROUNDS * n, (i) => ({ callback_url: `http://127.0.0.1:${receiverPort}/cb/${i}` }));
    let next = 0;
    /** `count` decisions at RATE/s on `url`: p50/p99 of sent → callback received, and → answered. */
    const phase = async (url: string, count: number) => {
      const callback: number[] = [];
      const answer: number[] = [];
      const start = performance.now();
      const inflight: Promise<void>[] = [];
      for (let j = 0; j < count; j++) {
        const wait = start + (j * 1000) / RATE - performance.now();
        if (wait > 0) await sleep(wait);
        const i = next++;
        const sent = performance.now();
        inflight.push(
          (async () => {
            const res = await fetch(`${url}/api/v1/approvals/${ids[i]}`, {
              method: 'PATCH',
              headers: { authorization: `Bearer ${seeded.decider}`, 'content-type': 'application/json' },
              body: JSON.stringify({ decision: 'approve' }),
            });
            await res.arrayBuffer();
            if (res.status !== 200) return;
            answer.push(performance.now() - sent);
            for (let w = 0; w < 300 && !arrived.has(i); w++) await sleep(10);
            const at = arrived.get(i);
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
    await phase(builds.before.url, WARM);
    await phase(builds.after.url, WARM);
    const rounds = await alternatingRounds(ROUNDS, (which) => phase(builds[which].url, n));
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
    await Promise.all(Object.values(builds).map((b) => b.stop()));
  }
} finally {
  receiver.close();
  await database.drop();
  before.remove();
}
