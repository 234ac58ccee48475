/**
 * Diagnostic, not part of `pnpm bench`: a change on the way from a create to its approver's email (N1's
 * way), measured against the build of a given revision in the same minutes. Separate N1 runs drift by
 * more than most changes move; two builds taking turns do not.
 *
 * `tsx ab-notify.ts <git revision>`: the revision is built in a temporary worktree (lib.ts
 * `buildRevision`); that build ("before") and this checkout's bundle ("after", built first when
 * stale) each start on a fresh database of its own (each build's worker sends only its own emails;
 * each migrates its own before it is seeded), as `pnpm start` runs them, mailing the SMTP server in
 * this process. Requests that name their
 * approver (N1's flow of one step) are created at `BENCH_AB_RATE`/s (20) in phases of
 * `BENCH_AB_SECONDS` (10), the builds alternating for `BENCH_AB_ROUNDS` rounds (6: "before" first in
 * even rounds). Per build, the medians over rounds of create sent → its email's end at the SMTP server
 * (p50, p99), and round by round in how many the change was faster (lib.ts `paired`).
 */
import { abSettings, alternatingRounds, buildRevision, createDatabase, createTitled, flowAskingAdmin, git, median, pacedLatency, paired, pairedLine, record, startSeeded, startSmtpArrivals, uptimeLoad, type PacedPhase } from './lib.ts';

const { revision: REVISION, rate: RATE, seconds: SECS, rounds: ROUNDS } = abSettings('ab-notify.ts', { rate: 20, seconds: 10, rounds: 6 });
const WARM = 40;

const before = buildRevision(REVISION);
const smtp = await startSmtpArrivals();
const databases: Partial<Record<'before' | 'after', Awaited<ReturnType<typeof createDatabase>>>> = {};
try {
  databases.before = await createDatabase('ab_n1_before');
  databases.after = await createDatabase('ab_n1_after');
  const apps = { before: { bundle: before.main }, after: {} } as const;
  const sides = (['before', 'after'] as const).map(async (which) => {
    const { server, seeded, storage } = await startSeeded(databases[which]!.url, { GREENLIGHT_SMTP_URL: smtp.url, GREENLIGHT_MAIL_FROM: 'bench@example.test' }, 1, apps[which]);
    // The database as the build migrated it (startSeeded), as seed leaves it.
    const flowId = await flowAskingAdmin(storage, seeded.orgId, true);
    return { which, key: seeded.keys[0]!, flowId, server };
  });
  const [b, a] = await Promise.all(sides);
  const builds = { before: b!, after: a! };
  try {
    let next = 0;
    /** `count` creates at RATE/s on one build: sent → its email at the SMTP server. */
    const phase = (which: 'before' | 'after', count: number): Promise<PacedPhase> => {
      const { server, key, flowId } = builds[which];
      const from = next;
      next += count;
      return pacedLatency(count, RATE, (j) => createTitled(server.url, key, `${which}-${from + j}`, flowId), (j) => smtp.arrivals.get(`${which}-${from + j}`));
    };
    await phase('before', WARM);
    await phase('after', WARM);
    const n = RATE * SECS;
    const rounds = await alternatingRounds(ROUNDS, (which) => phase(which, n));
    const summary = (which: 'before' | 'after') => ({
      p50_ms: median(rounds[which].map((x) => x.p50_ms)),
      p99_ms: median(rounds[which].map((x) => x.p99_ms)),
      lost: rounds[which].reduce((t, x) => t + x.lost, 0),
    });
    const pairs = (p: 'p50_ms' | 'p99_ms') => paired(rounds.before.map((x) => x[p]), rounds.after.map((x) => x[p]));
    const f = {
      before_commit: before.commit, after_commit: git('rev-parse', 'HEAD'), rate: RATE, seconds: SECS, rounds: ROUNDS, before: summary('before'), after: summary('after'),
      paired: { p50: pairs('p50_ms'), p99: pairs('p99_ms') },
      per_round: { before: rounds.before.map((x) => ({ p50_ms: x.p50_ms, p99_ms: x.p99_ms, lost: x.lost })), after: rounds.after.map((x) => ({ p50_ms: x.p50_ms, p99_ms: x.p99_ms, lost: x.lost })) },
      uptime: uptimeLoad(),
    };
    const line = (which: 'before' | 'after') => `${which.padEnd(6)} email p50 ${f[which].p50_ms} / p99 ${f[which].p99_ms} ms, lost ${f[which].lost}`;
    record(
      'ab-notify',
      f,
      [
        `creates naming their approver at ${RATE}/s, ${ROUNDS} alternating rounds of ${SECS} s; before = ${f.before_commit.slice(0, 7)}, after = this checkout`,
        line('before'),
        line('after'),
        `${pairedLine('p50', f.paired.p50)}; ${pairedLine('p99', f.paired.p99)}`,
        `uptime: ${f.uptime}`,
      ].join('\n'),
    );
  } finally {
    await Promise.all(Object.values(builds).map((x) => x.server.stop()));
  }
} finally {
  await Promise.all(Object.values(databases).map((d) => d.drop()));
  await smtp.close();
  before.remove();
}
