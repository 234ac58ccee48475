/**
 * Diagnostic, not part of `pnpm bench`: a change on W1's way (a decision → its long poll and event
 * stream answered on another replica) against the build of a given revision, in the same minutes.
 *
 * `tsx ab-waiter.ts <git revision>`: the revision is built in a temporary worktree (lib.ts
 * `buildRevision`); that build ("before") and this checkout's bundle ("after") each run two replicas
 * (one deciding, one holding the waiters) on a fresh database of their own, so neither build's
 * announcements wake the other's. Decisions at `BENCH_AB_RATE`/s (100) in phases of `BENCH_AB_SECONDS`
 * (10), each request's long poll opened a second ahead (waiter-rig.ts), the builds alternating for
 * `BENCH_AB_ROUNDS` rounds (4). Per build the medians of decision sent → both waiters answered (p50,
 * p99) and of the CPU a decision with its waiters costs (both replicas; Postgres, which serves both
 * databases, so the build at rest adds its idle share to both sides alike), with the paired rounds.
 * Near the machine's limit the CPU figure is the steadier one: the latency follows the queue.
 */
import { abSettings, alternatingRounds, buildRevision, createDatabase, createMany, git, median, paired, pairedLine, record, startSeeded, startServer, storageEnv, uptimeLoad } from './lib.ts';
import { serverSide, waiterPhase, type WaiterPhase, type WaiterSide } from './waiter-rig.ts';

const { revision: REVISION, rate: RATE, seconds: SECS, rounds: ROUNDS } = abSettings('ab-waiter.ts', { rate: 100, seconds: 10, rounds: 4 });
const WARM = 100;
const N = RATE * SECS;

const before = buildRevision(REVISION);
const databases: Partial<Record<'before' | 'after', Awaited<ReturnType<typeof createDatabase>>>> = {};
const servers: { stop(): Promise<void> }[] = [];
const closers: (() => void)[] = [];
try {
  databases.before = await createDatabase('ab_w1_before');
  databases.after = await createDatabase('ab_w1_after');
  const bundles = { before: { bundle: before.main }, after: {} } as const;
  const side = async (which: 'before' | 'after'): Promise<WaiterSide> => {
    const { server: deciding, seeded, storage } = await startSeeded(databases[which]!.url, {}, 8, bundles[which]);
    servers.push(deciding);
    const waiting = await startServer(storageEnv(storage), undefined, bundles[which]);
    servers.push(waiting);
    const ids = await createMany(deciding.url, seeded.keys, WARM + N * ROUNDS);
    const { side: s, close } = await serverSide(deciding, waiting, seeded, ids);
    closers.push(close);
    return s;
  };
  const sides = { before: await side('before'), after: await side('after') };
  const next = { before: 0, after: 0 };
  const phase = (which: 'before' | 'after', count: number): Promise<WaiterPhase> => {
    const from = next[which];
    next[which] += count;
    return waiterPhase(sides[which], from, count, RATE);
  };
  await phase('before', WARM);
  await phase('after', WARM);
  const rounds = await alternatingRounds(ROUNDS, (which) => phase(which, N));
  const summary = (which: 'before' | 'after') => ({
    p50_ms: median(rounds[which].map((x) => x.p50_ms)),
    p99_ms: median(rounds[which].map((x) => x.p99_ms)),
    decision_p50_ms: median(rounds[which].map((x) => x.decision.p50_ms)),
    apps_cpu_ms: median(rounds[which].map((x) => x.cpu.apps_ms)),
    postgres_cpu_ms: median(rounds[which].map((x) => x.cpu.postgres_ms)),
    machine_busy_percent: median(rounds[which].map((x) => x.cpu.machine_busy_percent)),
    lost: rounds[which].reduce((t, x) => t + x.lost, 0),
  });
  const pairs = (get: (x: WaiterPhase) => number) => paired(rounds.before.map(get), rounds.after.map(get));
  const f = {
    before_commit: before.commit,
    after_commit: git('rev-parse', 'HEAD'),
    rate: RATE,
    seconds: SECS,
    rounds: ROUNDS,
    before: summary('before'),
    after: summary('after'),
    paired: { p50: pairs((x) => x.p50_ms), p99: pairs((x) => x.p99_ms), apps_cpu: pairs((x) => x.cpu.apps_ms), postgres_cpu: pairs((x) => x.cpu.postgres_ms) },
    uptime: uptimeLoad(),
  };
  const line = (which: 'before' | 'after') => {
    const x = f[which];
    return `${which.padEnd(6)} both waiters p50 ${x.p50_ms} / p99 ${x.p99_ms} ms (the decision answered at p50 ${x.decision_p50_ms}), lost ${x.lost}; CPU a decision: replicas ${x.apps_cpu_ms} ms, Postgres ${x.postgres_cpu_ms} ms, machine ${x.machine_busy_percent} % busy`;
  };
  record(
    'ab-waiter',
    f,
    [
      `decisions with a long poll and an event stream on another replica at ${RATE}/s, ${ROUNDS} alternating rounds of ${SECS} s; before = ${f.before_commit.slice(0, 7)}, after = this checkout`,
      line('before'),
      line('after'),
      `${pairedLine('p50', f.paired.p50)}; ${pairedLine('p99', f.paired.p99)}`,
      `${pairedLine('replicas CPU', f.paired.apps_cpu)}; ${pairedLine('Postgres CPU', f.paired.postgres_cpu)}`,
      `uptime: ${f.uptime}`,
    ].join('\n'),
  );
} finally {
  for (const close of closers) close();
  await Promise.all(servers.map((s) => s.stop()));
  await Promise.all(Object.values(databases).map((d) => d.drop()));
  before.remove();
}
