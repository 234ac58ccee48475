/**
 * N1: notification latency, request created → its approver's email received by the SMTP server, at a
 * steady rate (default 20/s for 20 s), against a bare reference in the same run. The SMTP server runs
 * in this process (smtp-server on loopback) and notes when each message's DATA ends, so both ends use
 * one clock. Lost = created (201) but no email within 15 s after the last create.
 *
 * The server is the real one on Postgres with GREENLIGHT_SMTP_URL pointing here: the create commits a
 * `notify` outbox row, the worker works out who is asked and queues the email, and the worker sends it.
 * The requests name their approver, as the target is stated for: each is a run of a flow of one step
 * that asks the org's admin. The reference (`bare-notify.mjs`) is Express 5 + pg committing one INSERT
 * and sending the email inline before answering — nothing durable about it. Phases alternate (server
 * first in odd rounds, bare first in even ones) for BENCH_N1_ROUNDS rounds (3); each ratio is the
 * median of the rounds.
 *
 * Reported apart: requests that name nobody wait GREENLIGHT_NOTIFY_GRACE_MS (10 s by default) on
 * purpose, so that an automation that creates a request and then sets its steps asks only the people
 * those steps name (notify/notify-channel.ts). One phase of BENCH_N1_UNROUTED (40) such creates after
 * the rounds shows that grace and what comes after it.
 */
import { createDatabase, createTitled, flowAskingAdmin, interleavedLatencyRounds, pacedLatency, type PacedPhase, record, seed, startHelper, startServer, startSmtpArrivals, storageEnv, uptimeLoad } from './lib.ts';

const RATE = Number(process.env.BENCH_N1_RATE ?? 20);
const SECS = Number(process.env.BENCH_N1_SECONDS ?? 20);
const ROUNDS = Number(process.env.BENCH_N1_ROUNDS ?? 3);
const WARM = 40;
const UNROUTED = Number(process.env.BENCH_N1_UNROUTED ?? 40);
/** What a request that names nobody waits first: GREENLIGHT_NOTIFY_GRACE_MS, set to the server's default (config.ts). */
const GRACE_MS = 10_000;
const N = RATE * SECS;

const smtp = await startSmtpArrivals();
const arrivals = smtp.arrivals;
const smtpUrl = smtp.url;

type Phase = PacedPhase;

/** Creates `count` requests titled `<prefix>-<i>` at `rate`/s; latency per create = sent → its email arrived. */
async function phase(url: string, key: string, prefix: string, from: number, count: number, flowId: string | null): Promise<Phase> {
  const measured = await pacedLatency(count, RATE, (j) => createTitled(url, key, `${prefix}-${from + j}`, flowId), (j) => arrivals.get(`${prefix}-${from + j}`));
  return { ...measured, p50_ms: round1(measured.p50_ms), p99_ms: round1(measured.p99_ms), max_ms: round1(measured.max_ms) };
}

const database = await createDatabase('notify');
try {
  const storage = { DATABASE_URL: database.url, GREENLIGHT_DATA_DIR: '/nonexistent' };
  const seeded = await seed(storage, 1);
  const flowId = await flowAskingAdmin(storage, seeded.orgId);
  const server = await startServer({ ...storageEnv(storage), GREENLIGHT_SMTP_URL: smtpUrl, GREENLIGHT_MAIL_FROM: 'bench@example.test', GREENLIGHT_NOTIFY_GRACE_MS: String(GRACE_MS) });
  const bare = await startHelper('bare-notify.mjs', [], { DATABASE_URL: database.url, SMTP_URL: smtpUrl });
  try {
    const key = seeded.keys[0]!;
    // Unmeasured warm-up of both (JIT, pools, SMTP connections).
    await phase(server.url, key, 's', 0, WARM, flowId);
    await phase(bare.url, key, 'b', 0, WARM, null);

    const summary = await interleavedLatencyRounds(ROUNDS, (app, r) =>
      app === 'server' ? phase(server.url, key, 's', WARM + r * N, N, flowId) : phase(bare.url, key, 'b', WARM + r * N, N, null),
    );
    const lost = summary.lost;
    // Apart: requests that name nobody, which wait the grace first.
    const unrouted = await phase(server.url, key, 'u', 0, UNROUTED, null);
    const f = {
      database: 'postgres', rate: RATE, seconds: SECS, rounds: ROUNDS, creates: N * ROUNDS, approvers: 'named (a flow of one step)', ...summary,
      unrouted: { creates: UNROUTED, grace_ms: GRACE_MS, p50_ms: unrouted.p50_ms, p99_ms: unrouted.p99_ms, lost: unrouted.lost },
      uptime: uptimeLoad(),
    };
    record(
      'notify',
      f,
      [
        `N1 create → approver's email at the SMTP server, ${RATE}/s, ${ROUNDS} interleaved rounds of ${SECS} s: server p50 ${f.p50_ms} ms, p99 ${f.p99_ms} ms (medians), lost ${lost} of ${N * ROUNDS}`,
        `bare Express + pg (one INSERT, email sent inline): p50 ${f.bare_p50_ms} ms, p99 ${f.bare_p99_ms} ms; ratio p50 ${f.p50_ratio}× (${f.p50_ratio_spread.join('–')}), p99 ${f.p99_ratio}× (${f.p99_ratio_spread.join('–')}); uptime: ${f.uptime}`,
        `apart, ${UNROUTED} requests that name nobody (they wait the ${GRACE_MS / 1000} s grace on purpose): p50 ${unrouted.p50_ms} ms, p99 ${unrouted.p99_ms} ms, lost ${unrouted.lost}`,
      ].join('\n'),
    );
  } finally {
    await bare.stop();
    await server.stop();
  }
} finally {
  await database.drop();
  await smtp.close();
}


function round1(x: number): number {
  return Number(x.toFixed(1));
}
