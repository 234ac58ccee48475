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
import { SMTPServer } from 'smtp-server';
import { openDatabase } from '../apps/server/src/storage/open.ts';
import { createFlow } from '../apps/server/src/modules/flows/flows.ts';
import { SYSTEM_ACTOR } from '../apps/server/src/core/audit.ts';
import { createDatabase, interleavedLatencyRounds, pacedLatency, type PacedPhase, record, seed, startHelper, startServer, storageEnv, uptimeLoad } from './lib.ts';

const RATE = Number(process.env.BENCH_N1_RATE ?? 20);
const SECS = Number(process.env.BENCH_N1_SECONDS ?? 20);
const ROUNDS = Number(process.env.BENCH_N1_ROUNDS ?? 3);
const WARM = 40;
const UNROUTED = Number(process.env.BENCH_N1_UNROUTED ?? 40);
/** What a request that names nobody waits first: GREENLIGHT_NOTIFY_GRACE_MS, set to the server's default (config.ts). */
const GRACE_MS = 10_000;
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

/** A request titled `title`; a run of `flowId` when given (the bare app ignores it). */
async function create(url: string, key: string, title: string, flowId: string | null): Promise<number> {
  const res = await fetch(`${url}/api/v1/approvals`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title, description: 'bench', priority: 'low', ...(flowId && { flow_id: flowId }) }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Creates `count` requests titled `<prefix>-<i>` at `rate`/s; latency per create = sent → its email arrived. */
async function phase(url: string, key: string, prefix: string, from: number, count: number, flowId: string | null): Promise<Phase> {
  const measured = await pacedLatency(count, RATE, (j) => create(url, key, `${prefix}-${from + j}`, flowId), (j) => arrivals.get(`${prefix}-${from + j}`));
  return { ...measured, p50_ms: round1(measured.p50_ms), p99_ms: round1(measured.p99_ms), max_ms: round1(measured.max_ms) };
}

const database = await createDatabase('notify');
try {
  const storage = { DATABASE_URL: database.url, GREENLIGHT_DATA_DIR: '/nonexistent' };
  const seeded = await seed(storage, 1);
  // The approver the requests name: the org's admin, asked by a flow of one step.
  const db = await openDatabase(storage);
  let flowId: string;
  try {
    const { rows } = await db.query<{ user_id: string }>(`SELECT user_id FROM memberships WHERE org_id = $1 AND role = 'admin'`, [seeded.orgId]);
    const flow = await createFlow(db, seeded.orgId, { name: 'N1', steps: [{ approvers: { user_ids: [rows[0]!.user_id], team_ids: [] }, quorum: 1 }], on_expiry: 'expire' }, SYSTEM_ACTOR);
    flowId = flow.id;
  } finally {
    await db.close();
  }
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
  await new Promise<void>((r) => smtp.close(() => r()));
}


function round1(x: number): number {
  return Number(x.toFixed(1));
}
