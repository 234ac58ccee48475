/**
 * D1: what the deciders that run before a person (policies, standing grants) cost a create. Two orgs
 * on one server and one Postgres: one with no policy and no grant (the reference), one with the
 * largest policy set allowed (1,000 policies) and 10,000 live grants, none of which decides the
 * bench's requests, so every create evaluates every policy and looks at its connection's grants, and
 * is then asked of people as without them. Creates are paced (BENCH_D1_RATE/s, default 50, for
 * BENCH_SECONDS) and timed from sent to answered; the two orgs alternate for BENCH_ROUNDS rounds
 * (the loaded one first in odd rounds), and each ratio is the median of the rounds with its spread.
 * Target: p50 and p99 ≤ 1.1× the reference.
 */
import { randomUUID } from 'node:crypto';
import { POLICY_LIMITS } from '../packages/contract/src/index.ts';
import { openDatabase } from '../apps/server/src/storage/open.ts';
import { replacePolicySet } from '../apps/server/src/modules/policies/policies.ts';
import { PolicyCache } from '../apps/server/src/core/deciders/policy-cache.ts';
import { createDatabase, interleavedLatencyRounds, pacedLatency, pgQuery, record, seed, SECONDS, startServer, storageEnv, uptimeLoad } from './lib.ts';

const RATE = Number(process.env.BENCH_D1_RATE ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const GRANTS = Number(process.env.BENCH_D1_GRANTS ?? 10_000);
const POLICIES = Number(process.env.BENCH_D1_POLICIES ?? POLICY_LIMITS.policiesMax);
const N = RATE * SECONDS;
const WARM = Number(process.env.BENCH_D1_WARM ?? 100);

/** A thousand policies of the shapes teams write, none of which holds for the bench's requests. */
function policySet(n: number): string {
  return Array.from({ length: n }, (_, i) =>
    i % 2 === 0
      ? `@id("team-${i}-reads")\n@reason("team ${i} reads")\npermit (principal, action, resource)\nwhen { resource has action_type && resource.action_type like "read.team-${i}.*" };\n`
      : `@id("team-${i}-prod")\n@reason("team ${i} keeps prod for people")\nforbid (principal, action, resource)\nwhen { resource.hasTag("team") && resource.getTag("team") == "t-${i}" && resource.priority == "low" };\n`,
  ).join('');
}

const database = await createDatabase('deciders');
try {
  const storage = { DATABASE_URL: database.url, GREENLIGHT_DATA_DIR: '/nonexistent' };
  // keys[0] asks in the reference org, keys[1] in the loaded one (seed spreads keys over the orgs).
  const seeded = await seed(storage, 2, 2);
  const query = pgQuery(database.url);
  const [plainKey, loadedKey] = seeded.keys as [string, string];
  const [loaded] = await query<{ org_id: string; connection_id: string; admin: string }>(
    `SELECT c.org_id, c.id AS connection_id, (SELECT user_id FROM memberships m WHERE m.org_id = c.org_id AND m.role = 'admin' LIMIT 1) AS admin
       FROM connections c WHERE c.name = 'bench-2'`,
  );
  if (!loaded?.admin) throw new Error('the loaded org has no admin to give grants');
  const db = await openDatabase(storage);
  try {
    const set = await replacePolicySet({ db, policies: new PolicyCache() }, loaded.org_id, { source: policySet(POLICIES), never_without_person: { priorities: ['critical'], action_types: [] } }, { type: 'system', name: 'bench' });
    console.log(`policies: ${set.policies.length}`);
  } finally {
    await db.close();
  }
  // Live grants of the asking connection, each for an action type the bench never asks about.
  await query(
    `INSERT INTO grants (id, org_id, given_by, given_on, connection_id, action_type, fields, expires_at, max_uses)
     SELECT gen_random_uuid(), $1, $2, gen_random_uuid(), $3, 'deploy.service-' || i || '.*', '{}'::jsonb, now() + interval '1 day', 100
       FROM generate_series(1, $4) AS i`,
    [loaded.org_id, loaded.admin, loaded.connection_id, GRANTS],
  );
  console.log(`grants: ${GRANTS} live`);
  // The tables were just filled: their statistics and visibility map are made now, as autovacuum
  // would in the first minute, so that its work does not fall into whichever phase is timed then.
  await query('VACUUM ANALYZE');

  const server = await startServer(storageEnv(storage));
  try {
    const create = (key: string, j: number, answered: number[]) =>
      fetch(`${server.url}/api/v1/approvals`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `Bench ${j}`, description: 'x', priority: 'low', action_type: 'deploy.web', tags: { team: 't-bench' }, idempotency_key: randomUUID() }),
      }).then(async (res) => {
        await res.arrayBuffer();
        if (res.status === 201) answered[j] = performance.now();
        return res.status;
      });
    // Warm both orgs (compiled set, caches, JIT) before anything is timed.
    for (const key of [plainKey, loadedKey]) {
      const warm: number[] = [];
      await pacedLatency(WARM, RATE, (j) => create(key, j, warm), (j) => warm[j]);
    }
    const result = await interleavedLatencyRounds(ROUNDS, async (side) => {
      const answered: number[] = [];
      const key = side === 'server' ? loadedKey : plainKey;
      return pacedLatency(N, RATE, (j) => create(key, j, answered), (j) => answered[j]);
    });
    const [stillAsked] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM approvals WHERE org_id = $1 AND status <> 'pending'`, [loaded.org_id]);
    const figures = { rate: RATE, seconds: SECONDS, rounds: ROUNDS, policies: POLICIES, grants: GRANTS, auto_decided: stillAsked!.n, ...result, load: uptimeLoad() };
    record(
      'deciders',
      figures,
      `D1 create with ${POLICIES} policies and ${GRANTS} grants vs none, ${RATE}/s: p50 ${result.p50_ms} vs ${result.bare_p50_ms} ms (${result.p50_ratio}×, ${result.p50_ratio_spread.join('–')}), p99 ${result.p99_ms} vs ${result.bare_p99_ms} ms (${result.p99_ratio}×, ${result.p99_ratio_spread.join('–')}); decided by neither: ${stillAsked!.n === 0}`,
    );
  } finally {
    await server.stop();
  }
} finally {
  await database.drop();
}
