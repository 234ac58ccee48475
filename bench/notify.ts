/**
 * N1: notification latency, request created → its approver's email received by the SMTP server, at a
 * steady rate (default 20/s for 20 s), against a bare reference in the same run. The SMTP server runs
 * in this process (smtp-server on loopback) and notes when each message's DATA ends, so both ends use
 * one clock. Lost = created (201) but no email within 15 s after the last create.
 *
 * The server is the real one on Postgres with GREENLIGHT_SMTP_URL pointing here: the create commits a
 * `notify` outbox row, the worker works out who is asked and queues the email, and the worker sends it
 * (GREENLIGHT_NOTIFY_GRACE_MS=0: the requests name nobody, and the grace is not what is measured).
 * The reference (`bare-notify.mjs`) is Express 5 + pg committing one INSERT and sending the email
 * inline before answering — nothing durable about it. Phases alternate (server first in odd rounds,
 * bare first in even ones) for BENCH_N1_ROUNDS rounds (3); each ratio is the median of the rounds.
 */
import { SMTPServer } from 'smtp-server';
import { createDatabase, interleavedLatencyRounds, pacedLatency, type PacedPhase, record, seed, startHelper, startServer, storageEnv, uptimeLoad } from './lib.ts';

const RATE = Number(process.env.BENCH_N1_RATE ?? 20);
const SECS = Number(process.env.BENCH_N1_SECONDS ?? 20);
const ROUNDS = Number(process.env.BENCH_N1_ROUNDS ?? 3);
const WARM = 40;
const N = RATE * SECS;

/** Arrival time of each message, by its subject's request title. */
const arrivals = new Map<string, number>();
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, _session, callback) {
    let head = '';
    stream.on('data', (chunk: Buffer) => {
      if (head.length < 8192) head += chunk.toString('latin1');
    });
    stream.on('end', () => {
      const at = performance.now();
      const title = /^Subject: .*Approval needed: (\S+)/m.exec(head)?.[1];
      if (title && !arrivals.has(title)) arrivals.set(title, at);
      callback();
    });
  },
});
smtp.on('error', () => {});
await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
const smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as { port: number }).port}`;

type Phase = PacedPhase;

async function create(url: string, key: string, title: string): Promise<number> {
  const res = await fetch(`${url}/api/v1/approvals`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title, description: 'bench', priority: 'low' }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Creates `count` requests titled `<prefix>-<i>` at `rate`/s; latency per create = sent → its email arrived. */
async function phase(url: string, key: string, prefix: string, from: number, count: number): Promise<Phase> {
  const measured = await pacedLatency(count, RATE, (j) => create(url, key, `${prefix}-${from + j}`), (j) => arrivals.get(`${prefix}-${from + j}`));
  return { ...measured, p50_ms: round1(measured.p50_ms), p99_ms: round1(measured.p99_ms), max_ms: round1(measured.max_ms) };
}

const database = await createDatabase('notify');
try {
  const storage = { DATABASE_URL: database.url, GREENLIGHT_DATA_DIR: '/nonexistent' };
  const seeded = await seed(storage, 1);
  // The requests name nobody (everyone is asked): without this their notifications would first wait
  // out the grace a requester has to name steps (GREENLIGHT_NOTIFY_GRACE_MS), which is not what N1 measures.
  const server = await startServer({ ...storageEnv(storage), GREENLIGHT_SMTP_URL: smtpUrl, GREENLIGHT_MAIL_FROM: 'bench@example.test', GREENLIGHT_NOTIFY_GRACE_MS: '0' });
  const bare = await startHelper('bare-notify.mjs', [], { DATABASE_URL: database.url, SMTP_URL: smtpUrl });
  try {
    const key = seeded.keys[0]!;
    // Unmeasured warm-up of both (JIT, pools, SMTP connections).
    await phase(server.url, key, 's', 0, WARM);
    await phase(bare.url, key, 'b', 0, WARM);

    const summary = await interleavedLatencyRounds(ROUNDS, (app, r) =>
      app === 'server' ? phase(server.url, key, 's', WARM + r * N, N) : phase(bare.url, key, 'b', WARM + r * N, N),
    );
    const lost = summary.lost;
    const f = { database: 'postgres', rate: RATE, seconds: SECS, rounds: ROUNDS, creates: N * ROUNDS, ...summary, uptime: uptimeLoad() };
    record(
      'notify',
      f,
      [
        `N1 create → approver's email at the SMTP server, ${RATE}/s, ${ROUNDS} interleaved rounds of ${SECS} s: server p50 ${f.p50_ms} ms, p99 ${f.p99_ms} ms (medians), lost ${lost} of ${N * ROUNDS}`,
        `bare Express + pg (one INSERT, email sent inline): p50 ${f.bare_p50_ms} ms, p99 ${f.bare_p99_ms} ms; ratio p50 ${f.p50_ratio}× (${f.p50_ratio_spread.join('–')}), p99 ${f.p99_ratio}× (${f.p99_ratio_spread.join('–')}); uptime: ${f.uptime}`,
      ].join('\n'),
    );
  } finally {
    await bare.stop();
    await server.stop();
  }
} finally {
  await database.drop();
  await new Promise<void>((r) => smtp.close(() => r()));
}


function round1(x: number): number {
  return Number(x.toFixed(1));
}
