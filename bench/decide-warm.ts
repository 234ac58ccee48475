/**
 * Diagnostic, not part of `pnpm bench`: what the decision's statement (`greenlight_decide`) costs warm,
 * and what each feature on its way adds, precisely enough to see a hundredth of a millisecond. P3's
 * rounds and the statement log drift by 0.2–0.7 ms between runs on this machine; this does not, because
 * every variant decides the same requests on one warm connection in one transaction, rolled back after.
 *
 * Fresh database, one org; the server creates the requests (each with a `callback_url`, as P3's, unless
 * BENCH_WARM_CALLBACKS=none, as W1's) and
 * makes one decision so that the org has its callback secret, then stops. Then, for each variant, in
 * `BENCH_WARM_ROUNDS` rounds (5): BEGIN, the variant's DDL, `WARM` unmeasured decisions, `N` measured
 * ones (the client's round trip of each), ROLLBACK; each variant between two runs of the schema as it
 * is, its difference taken to their mean. The decisions of a run share one transaction (no commit, no
 * WAL flush): a measure of the statement's own work, to compare variants by, not a decision's latency.
 * A round whose runs of the schema as it is differ by more than 10 % is left out of the medians (the
 * machine was busy meanwhile), unless every round was. Each vote is a connection's approval without input,
 * as the server sends it for `PATCH /approvals/:id` with a delivery worker (`fast`, the callback claimed,
 * its outcome's announcement left for the follower): greenlight_decide reads a key missing here as null,
 * so a key the server's vote gains (state-machine.ts decideStatement) must be added here too.
 * Variants are named on the command line (default: all).
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { SESSION_OPTIONS } from '../apps/server/src/storage/postgres.ts';
import { createDatabase, createMany, decide, record, seed, startServer, storageEnv } from './lib.ts';

const N = 400;
const WARM = 100;
const ROUNDS = Number(process.env.BENCH_WARM_ROUNDS ?? 5);
/**
 * BENCH_WARM_MEASURE=cpu: each figure is the backend's CPU time per measured decision (its
 * /proc/<pid>/schedstat, Postgres on this machine) instead of the client's p50 round trip: steadier
 * on a host whose other tenants stretch round trips from one run to the next.
 */
const BY_CPU = process.env.BENCH_WARM_MEASURE === 'cpu';
/** BENCH_WARM_CALLBACKS=none: requests without a `callback_url`, as W1's (P3's have one). */
const CALLBACKS = process.env.BENCH_WARM_CALLBACKS !== 'none';
/** A round whose runs of the schema as it is differ by more than this (max / min) was a busy moment of the machine. */
const QUIET = 1.1;

/** Each variant: the DDL run before its decisions (rolled back with them). */
const VARIANTS: Record<string, string[]> = {
  'as-is': [],
  'no-audit-chain-trigger': ['ALTER TABLE events DISABLE TRIGGER events_chain_decision'],
  'no-fan-out-trigger': ['ALTER TABLE events DISABLE TRIGGER events_fan_out'],
  'no-update-triggers': [
    'ALTER TABLE approvals DISABLE TRIGGER approval_counts_update',
    'ALTER TABLE approvals DISABLE TRIGGER approvals_close_steps',
    'ALTER TABLE approvals DISABLE TRIGGER approvals_timers_cancel',
  ],
  'no-search-index': ['DROP INDEX approvals_search_idx'],
  'no-six-indexes': ['search', 'updated', 'decided', 'closed', 'auto_decided', 'expiry'].map((i) => `DROP INDEX approvals_${i}_idx`),
};

/** The median to the microsecond (lib.ts's median rounds to ten). */
const p50 = (xs: number[]): number => Number([...xs].sort((a, b) => a - b)[xs.length >> 1]!.toFixed(3));

/**
 * Two variants of the fan-out's trigger function, made from the function as the database has it: only
 * its callback's row (the other kinds of row left out of its first read, so never written), and a
 * plain insert of the callback row in its place (what inserting the row itself costs, without the
 * statements that find out which rows the event has and claim the callback's).
 */
function fanOutVariants(definition: string): Record<string, string[]> {
  const edit = (text: string, from: string | RegExp, to: string) => {
    const out = text.replace(from, to);
    if (out === text) throw new Error(`events_fan_out no longer has ${String(from)}: update decide-warm.ts`);
    return out;
  };
  const callbackOnly = edit(definition, /,\n\s*EXISTS \(SELECT 1 FROM webhook_subscriptions[\s\S]*?\n\s*INTO need;/, ', false AS subscriptions, false AS notify, false AS resume, false AS messages INTO need;');
  const plainInsert = `CREATE OR REPLACE FUNCTION events_fan_out() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  INSERT INTO deliveries (event_id, org_id, approval_id, event_type, channel, kind, payload, status, attempts)
  VALUES (NEW.id, NEW.org_id, NEW.approval_id, NEW.type, 'webhook', 'callback', '{}', 'delivering', 1);
  RETURN NULL;
END $f$`;
  return { 'fan-out-callback-row-only': [callbackOnly], 'fan-out-plain-insert': [plainInsert] };
}
const FAN_OUT_VARIANTS = ['fan-out-callback-row-only', 'fan-out-plain-insert'];

const DECIDE_SQL = 'SELECT r.* FROM greenlight_decide($1) AS r';

/**
 * How many statements one decision runs, nested ones included (the function's, its triggers'), for
 * the schema as it is and each variant: Postgres's auto_explain module, loaded into a session of its
 * own, reports every statement it runs as a notice. A count, so it does not drift with the machine as
 * the timings do. Each in a transaction rolled back, on the first pending request. Null where the
 * module cannot be loaded (a role that may not, a build without it).
 */
async function statementsPerDecision(url: string, voteOn: (approval: string) => string): Promise<Record<string, number> | null> {
  const counter = new pg.Client({ connectionString: url, options: SESSION_OPTIONS });
  await counter.connect();
  try {
    try {
      await counter.query(`LOAD 'auto_explain'`);
    } catch {
      return null;
    }
    let notices = 0;
    counter.on('notice', () => notices++);
    const counts: Record<string, number> = {};
    for (const name of names) {
      await counter.query('BEGIN');
      try {
        for (const ddl of VARIANTS[name]!) await counter.query(ddl);
        const { rows } = await counter.query<{ id: string }>(`SELECT id FROM approvals WHERE status = 'pending' ORDER BY seq LIMIT 1`);
        await counter.query(`SET LOCAL auto_explain.log_min_duration = 0; SET LOCAL auto_explain.log_nested_statements = on; SET LOCAL auto_explain.log_level = notice; SET LOCAL client_min_messages = notice`);
        notices = 0;
        await counter.query(DECIDE_SQL, [voteOn(rows[0]!.id)]);
        // The decision's own statement is one of them: the rest are what it runs.
        counts[name] = notices;
      } finally {
        await counter.query('ROLLBACK');
      }
    }
    return counts;
  } finally {
    await counter.end();
  }
}

const asked = process.argv.slice(2);
for (const name of asked) if (!(name in VARIANTS) && !FAN_OUT_VARIANTS.includes(name)) throw new Error(`no variant ${name}; variants: ${[...Object.keys(VARIANTS), ...FAN_OUT_VARIANTS].join(', ')}`);
const names = ['as-is', ...(asked.length ? asked : [...Object.keys(VARIANTS), ...FAN_OUT_VARIANTS]).filter((n) => n !== 'as-is')];

const database = await createDatabase('warm');
try {
  const storage = { DATABASE_URL: database.url, GREENLIGHT_DATA_DIR: '/nonexistent' };
  const seeded = await seed(storage, 1);
  const server = await startServer({ ...storageEnv(storage), GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8' });
  try {
    // The receiver is not there: nothing here waits for a callback, and the org's secret is made.
    const ids = await createMany(server.url, seeded.keys, WARM + N + 1, (i) => (CALLBACKS ? { callback_url: `http://127.0.0.1:9/w/${i}` } : {}));
    if ((await decide(server.url, seeded.decider, ids[WARM + N]!)) !== 200) throw new Error('the first decision failed');
  } finally {
    await server.stop();
  }

  const client = new pg.Client({ connectionString: database.url, options: SESSION_OPTIONS });
  await client.connect();
  try {
    // The decider is the seed's key 0 (lib.ts seed), a connection of the org.
    const { rows: actors } = await client.query<{ id: string; org_id: string }>(`SELECT id, org_id FROM connections WHERE name = 'bench-0'`);
    const actor = actors[0]!;
    const { rows: defs } = await client.query<{ d: string }>(`SELECT pg_get_functiondef('events_fan_out'::regproc) AS d`);
    Object.assign(VARIANTS, fanOutVariants(defs[0]!.d));
    const voteOn = (approval: string) =>
      JSON.stringify({
        org: actor.org_id, approval, step: null, actor_type: 'connection', actor_id: actor.id, actor_name: 'bench-0',
        user_id: null, user_role: null, decision: 'approve', comment: null, source: null,
        fast: true, content_sha256: null, answer: null, answer_refusal: null, step_up_missing: null,
        lease_ms: 30_000, new_secret: null, notify: false, announce: true,
      });
    const statements = await statementsPerDecision(database.url, voteOn);
    if (statements) console.log(`statements one decision runs, nested ones included (auto_explain): ${Object.entries(statements).map(([n, c]) => `${n} ${c}`).join(', ')}`);
    const { rows: backend } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    /** The backend's time on a CPU so far, in ns (the scheduler's own count: /proc/<pid>/schedstat). */
    const backendCpuNs = () => Number(readFileSync(`/proc/${backend[0]!.pid}/schedstat`, 'utf8').split(' ')[0]);
    /** One variant's figure over its measured decisions (p50, or the backend's CPU): BEGIN, its DDL, the decisions, ROLLBACK. */
    const measure = async (name: string): Promise<number> => {
      let cpu0 = 0;
      await client.query('BEGIN');
      try {
        for (const ddl of VARIANTS[name]!) await client.query(ddl);
        const { rows } = await client.query<{ id: string }>(`SELECT id FROM approvals WHERE status = 'pending' ORDER BY seq LIMIT ${WARM + N}`);
        const times: number[] = [];
        for (const [i, { id }] of rows.entries()) {
          if (i === WARM) cpu0 = backendCpuNs();
          const t0 = performance.now();
          await client.query({ name: 'decide_approval', text: DECIDE_SQL, values: [voteOn(id)] });
          if (i >= WARM) times.push(performance.now() - t0);
        }
        return BY_CPU ? Number(((backendCpuNs() - cpu0) / times.length / 1e6).toFixed(3)) : p50(times);
      } finally {
        await client.query('ROLLBACK');
      }
    };
    // Unmeasured: the connection's first decisions plan the function's statements (custom plans for five calls).
    await measure('as-is');
    // Each variant between two runs of the schema as it is, and set against their mean: the machine
    // drifts within a round too.
    const perRound: { as_is: number[]; differences: Record<string, number> }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const asIs = [await measure('as-is')];
      const differences: Record<string, number> = {};
      for (const name of names.filter((n) => n !== 'as-is')) {
        const p = await measure(name);
        asIs.push(await measure('as-is'));
        differences[name] = Number((p - (asIs.at(-2)! + asIs.at(-1)!) / 2).toFixed(3));
      }
      perRound.push({ as_is: asIs, differences });
      console.log(`round ${round + 1}: as-is ${asIs.join(', ')} ms; ${Object.entries(differences).map(([n, d]) => `${n} ${d}`).join(', ')}`);
    }
    const quiet = perRound.filter((r) => Math.max(...r.as_is) / Math.min(...r.as_is) <= QUIET);
    const counted = quiet.length > 0 ? quiet : perRound;
    const asIs = p50(counted.flatMap((r) => r.as_is));
    const differences = Object.fromEntries(names.filter((n) => n !== 'as-is').map((n) => [n, p50(counted.map((r) => r.differences[n]!))]));
    record(
      'decide-warm',
      { decisions: N, warm: WARM, rounds: ROUNDS, callbacks: CALLBACKS, measure: BY_CPU ? 'backend_cpu_per_decision' : 'p50_round_trip', quiet_rounds: quiet.length, as_is_p50_ms: asIs, differences_ms: differences, statements_per_decision: statements, per_round: perRound },
      `greenlight_decide warm, ${BY_CPU ? "the backend's CPU per decision" : "p50"} of ${N} decisions: as-is ${asIs} ms; each variant's difference (median of ${counted.length} ${quiet.length > 0 ? 'quiet ' : ''}rounds of ${ROUNDS}): ${Object.entries(differences)
        .map(([n, d]) => `${n} ${d} ms`)
        .join(', ')}`,
    );
  } finally {
    await client.end();
  }
} finally {
  await database.drop();
}
