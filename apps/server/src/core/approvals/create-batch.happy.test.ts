/**
 * Creates waiting together go in one statement (create-batch.ts), and each request
 * still gets its own answer and its own error. Runs on PGlite and on Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, seedOrg, type TestDatabase } from '../../testing/harness.ts';
import { tableAccess } from '../../testing/table-access.ts';
import type { Database, Queryable } from '../../storage/database.ts';
import { CreateBatcher, createMany, createOne, namesItsApprovers, type CreateItem, type CreateResult } from './create-batch.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await openTestDatabase();
}, 60_000);
afterAll(() => t.drop(), 60_000);

/** The same database, counting the create statements sent to it. */
function counting(db: Database) {
  const sent = { one: 0, many: 0 };
  const count = (sql: string) => {
    if (sql.includes('greenlight_create_approvals(')) sent.many++;
    else if (sql.includes('greenlight_create_approval(')) sent.one++;
  };
  const counted: Database = {
    ...db,
    query: (sql, params, options) => {
      count(sql);
      return db.query(sql, params, options);
    },
    // Statements in a transaction too.
    transaction: (fn) =>
      db.transaction((tx) =>
        fn({
          ...tx,
          query: (sql, params, options) => {
            count(sql);
            return tx.query(sql, params, options);
          },
        }),
      ),
  };
  return { db: counted, sent };
}

const item = (org: string, n: number, over: Partial<CreateItem> = {}): CreateItem => ({
  org_id: org,
  connection_id: null,
  requested_by_type: 'system',
  requested_by_id: null,
  requested_by_name: 'batch test',
  title: `Request ${n}`,
  description: 'A request of the batch test',
  priority: 'medium',
  action_type: null,
  source: 'test',
  metadata: { n },
  required_approvals: 1,
  is_sequential: false,
  flow_id: null,
  flow_version: null,
  callback_url: null,
  callback_headers: null,
  external_id: null,
  idempotency_key: null,
  request_fingerprint: null,
  tags: { team: 'ops' },
  changes: null,
  resource: null,
  expires_at: null,
  on_expiry: 'expire',
  redact: [],
  ...over,
});

async function stored(orgId: string) {
  const { rows } = await t.db.query<{ title: string; events: number }>(
    `SELECT a.title, (SELECT count(*)::int FROM events e WHERE e.approval_id = a.id AND e.type = 'approval.created') AS events
       FROM approvals a WHERE a.org_id = $1 ORDER BY a.seq`,
    [orgId],
  );
  return rows;
}

describe('CreateBatcher', () => {
  it('writes creates of the same moment in one statement, each with its own row and event, in order', async () => {
    const seed = await seedOrg(t.db);
    const { db, sent } = counting(t.db);
    const batcher = new CreateBatcher(db, 1, 64);
    const results = await Promise.all(Array.from({ length: 40 }, (_, n) => batcher.create(item(seed.org.id, n))));
    expect(sent).toEqual({ one: 0, many: 1 });
    expect(results.map((r) => (r.approval as { title: string }).title)).toEqual(Array.from({ length: 40 }, (_, n) => `Request ${n}`));
    expect(new Set(results.map((r) => r.event_id)).size).toBe(40);
    expect(results.every((r) => r.org_open && !r.fanned_out)).toBe(true);
    expect(await stored(seed.org.id)).toEqual(Array.from({ length: 40 }, (_, n) => ({ title: `Request ${n}`, events: 1 })));
  });

  it('sends a create that arrives alone at once, as one statement of its own', async () => {
    const seed = await seedOrg(t.db);
    const { db, sent } = counting(t.db);
    const r = await new CreateBatcher(db).create(item(seed.org.id, 1));
    expect(sent).toEqual({ one: 1, many: 0 });
    expect(r.approval).toMatchObject({ title: 'Request 1', org_id: seed.org.id, status: 'pending' });
  });

  it('queues what arrives while the statements in flight run, and sends it together next', async () => {
    const seed = await seedOrg(t.db);
    const { db, sent } = counting(t.db);
    const batcher = new CreateBatcher(db, 1, 64);
    const first = batcher.create(item(seed.org.id, 0));
    await new Promise((r) => setImmediate(r)); // the first is on its way
    const rest = Array.from({ length: 10 }, (_, n) => batcher.create(item(seed.org.id, n + 1)));
    await Promise.all([first, ...rest]);
    expect(sent).toEqual({ one: 1, many: 1 });
    expect((await stored(seed.org.id)).map((r) => r.title)).toEqual(Array.from({ length: 11 }, (_, n) => `Request ${n}`));
  });

  it('one bad request in a batch gets its own error; the others are written, and nothing half', async () => {
    const seed = await seedOrg(t.db);
    const batcher = new CreateBatcher(t.db, 1, 64);
    await batcher.create(item(seed.org.id, 0, { external_id: 'TAKEN-1' }));
    const settled = await Promise.allSettled([
      batcher.create(item(seed.org.id, 1)),
      batcher.create(item(seed.org.id, 2, { external_id: 'TAKEN-1' })),
      batcher.create(item(seed.org.id, 3, { title: 'nul \u0000 inside' })),
      batcher.create(item(seed.org.id, 4)),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(settled[1]).toMatchObject({ reason: { code: '23505', constraint: 'approvals_external_id_key' } });
    expect((settled[2] as PromiseRejectedResult).reason.code).toMatch(/^(22P05|22021)$/);
    // Written again each on its own, at once: their order among themselves is not their arrival order.
    const titles = (await stored(seed.org.id)).map((r) => `${r.title}: ${r.events}`);
    expect(titles[0]).toBe('Request 0: 1');
    expect(titles.slice(1).sort()).toEqual(['Request 1: 1', 'Request 4: 1']);
  });

  it('a text the JSON of a batch cannot carry (a lone surrogate) is written by the single path, as U+FFFD', async () => {
    const seed = await seedOrg(t.db);
    const { db, sent } = counting(t.db);
    const batcher = new CreateBatcher(db, 1, 64);
    const [a, b] = await Promise.all([
      batcher.create(item(seed.org.id, 1)),
      batcher.create(item(seed.org.id, 2, { title: 'half \ud800 a pair' })),
    ]);
    // The batch statement was refused as a whole; each request was then written on its own.
    expect(sent).toEqual({ one: 2, many: 1 });
    expect(a.approval).toMatchObject({ title: 'Request 1' });
    expect(b.approval).toMatchObject({ title: 'half \ufffd a pair' });
    expect((await stored(seed.org.id)).map((r) => r.events)).toEqual([1, 1]);
  });

  it('writes the same row alone as in a batch (one copy of the logic)', async () => {
    const seed = await seedOrg(t.db);
    const over: Partial<CreateItem> = {
      callback_url: 'https://example.com/hook',
      callback_headers: { 'x-a': '1' },
      external_id: 'EXT-1',
      idempotency_key: 'key-1',
      request_fingerprint: 'fp',
      changes: { before: { a: 1 }, after: { a: 2 } },
      resource: { type: 'invoice', id: 'INV-1' },
      expires_at: '2099-01-01T00:00:00.123456Z',
      required_approvals: 2,
      is_sequential: true,
      action_type: 'pay',
    };
    const alone = await new CreateBatcher(t.db).create(item(seed.org.id, 1, over));
    const { db, sent } = counting(t.db);
    const together = new CreateBatcher(db, 1, 64);
    const [batched] = await Promise.all([
      together.create(item(seed.org.id, 1, { ...over, external_id: 'EXT-2', idempotency_key: 'key-2' })),
      together.create(item(seed.org.id, 2)),
    ]);
    expect(sent).toEqual({ one: 0, many: 1 });
    const differing = ['id', 'seq', 'external_id', 'idempotency_key', 'created_at', 'updated_at'];
    const strip = (r: Record<string, unknown> | null) => Object.fromEntries(Object.entries(r ?? {}).filter(([k]) => !differing.includes(k)));
    expect(alone).toMatchObject({ org_open: true, fanned_out: false });
    expect(strip(alone.approval)).toEqual(strip(batched!.approval));
    expect(alone.approval).toMatchObject({ external_id: 'EXT-1', idempotency_key: 'key-1', expires_at: '2099-01-01T00:00:00.123456+00:00' });
  });

  it('a key used twice in one batch makes one request; a stopped org in the batch makes none', async () => {
    const open = await seedOrg(t.db);
    const stopped = await seedOrg(t.db);
    await t.db.query('UPDATE orgs SET emergency_stop = true WHERE id = $1', [stopped.org.id]);
    const batcher = new CreateBatcher(t.db, 1, 64);
    const [a, b, c] = await Promise.all([
      batcher.create(item(open.org.id, 1, { idempotency_key: 'k-1', request_fingerprint: 'f' })),
      batcher.create(item(open.org.id, 2, { idempotency_key: 'k-1', request_fingerprint: 'f' })),
      batcher.create(item(stopped.org.id, 3)),
    ]);
    expect(a).toMatchObject({ org_open: true, approval: { title: 'Request 1', idempotency_key: 'k-1' } });
    expect(b).toMatchObject({ org_open: true, approval: null, event_id: null });
    expect(c).toMatchObject({ org_open: false, approval: null, event_id: null });
    expect(await stored(open.org.id)).toEqual([{ title: 'Request 1', events: 1 }]);
    expect(await stored(stopped.org.id)).toEqual([]);
  });

  it('a create with work in its transaction goes in the batch of its moment, the work done in the batch transaction', async () => {
    const seed = await seedOrg(t.db);
    const { db, sent } = counting(t.db);
    const batcher = new CreateBatcher(db, 1, 64);
    // The work sees its own request, written and not yet committed, in the same transaction.
    const work = async (tx: Queryable, r: CreateResult) => {
      const { rows } = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM approvals WHERE id = $1', [(r.approval as { id: string }).id]);
      return `saw ${rows[0]!.n}`;
    };
    const results = await Promise.all(Array.from({ length: 6 }, (_, n) => batcher.create(item(seed.org.id, n), n % 2 === 0 ? work : undefined)));
    expect(sent).toEqual({ one: 0, many: 1 });
    expect(results.map((r) => r.after)).toEqual(['saw 1', undefined, 'saw 1', undefined, 'saw 1', undefined]);
    expect((await stored(seed.org.id)).map((r) => r.title)).toEqual(Array.from({ length: 6 }, (_, n) => `Request ${n}`));
  });

  it('work that throws undoes its batch: the others are written alone, its own request not at all', async () => {
    const seed = await seedOrg(t.db);
    const { db, sent } = counting(t.db);
    const batcher = new CreateBatcher(db, 1, 64);
    const settled = await Promise.allSettled([
      batcher.create(item(seed.org.id, 1), async () => 'done'),
      batcher.create(item(seed.org.id, 2), async () => {
        throw new Error('the work failed');
      }),
      batcher.create(item(seed.org.id, 3)),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[0] as PromiseFulfilledResult<{ after?: unknown }>).value.after).toBe('done');
    expect(sent).toEqual({ one: 3, many: 1 });
    expect((await stored(seed.org.id)).map((r) => `${r.title}: ${r.events}`).sort()).toEqual(['Request 1: 1', 'Request 3: 1']);
  });

  it('work is not done for a request not written (a stopped org)', async () => {
    const stopped = await seedOrg(t.db);
    await t.db.query('UPDATE orgs SET emergency_stop = true WHERE id = $1', [stopped.org.id]);
    const open = await seedOrg(t.db);
    const batcher = new CreateBatcher(t.db, 1, 64);
    let calls = 0;
    const [a, b] = await Promise.all([
      batcher.create(item(stopped.org.id, 1), async () => ++calls),
      batcher.create(item(open.org.id, 2), async () => ++calls),
    ]);
    expect(a).toMatchObject({ org_open: false, approval: null });
    expect(a.after).toBeUndefined();
    expect(b.after).toBe(1);
    expect(calls).toBe(1);
  });

  it('writes what only some requests have (steps, a waiter probe, a resume) by each request\'s key, never by scanning the requests', async () => {
    const { org, admin } = await seedOrg(t.db);
    const steps = [{ name: 'first', user_ids: [admin.id], team_ids: [], quorum: 1, time_limit_seconds: null }];
    const items = [0, 1, 2].map((n) =>
      item(org.id, 100 + n, { callback_url: 'https://example.test/cb', probe_after_ms: 60_000, steps, resume: { engine: 'inngest', target: 'sealed' } }),
    );
    const { result: results, access } = await t.db.transaction((tx) =>
      tableAccess(tx, ['approvals', 'orgs', 'flow_versions'], async () => [
        ...(await createMany(tx, items)),
        await createOne(tx, { ...items[0]!, title: 'alone' }),
      ]),
    );
    expect(access.seq).toBe(0);
    const ids = results.map((r) => r.approval!.id as string);
    const { rows } = await t.db.query<{ steps: number; probes: number; resumes: number }>(
      `SELECT (SELECT count(*)::int FROM approval_steps WHERE approval_id = ANY ($1)) AS steps,
              (SELECT count(*)::int FROM waiter_probes WHERE approval_id = ANY ($1)) AS probes,
              (SELECT count(*)::int FROM engine_resumes WHERE approval_id = ANY ($1)) AS resumes`,
      [ids],
    );
    expect(rows[0]).toEqual({ steps: 4, probes: 4, resumes: 4 });
  });

  it('marks the notification `named` exactly for the requests namesItsApprovers says name their approvers, alone and in a batch', async () => {
    const { org, admin } = await seedOrg(t.db);
    const step = { name: 'first', user_ids: [admin.id], team_ids: [], quorum: 1, time_limit_seconds: null };
    const { rows: flows } = await t.db.query<{ id: string }>(
      `WITH f AS (INSERT INTO flows (org_id, name) VALUES ($1, 'named test') RETURNING id)
       INSERT INTO flow_versions (flow_id, version, definition) SELECT id, 1, $2 FROM f RETURNING flow_id AS id`,
      [org.id, JSON.stringify({ steps: [step] })],
    );
    const kinds: Record<string, Partial<CreateItem>> = {
      plain: {},
      'no steps': { steps: [] },
      steps: { steps: [step] },
      flow: { flow_id: flows[0]!.id, flow_version: 1 },
    };
    const items = Object.values(kinds).map((over, n) => item(org.id, 300 + n, { ...over, notify: true }));
    const results = [...(await createMany(t.db, items)), ...(await Promise.all(items.map((i) => createOne(t.db, i))))];
    const ids = results.map((r) => r.approval!.id as string);
    const { rows } = await t.db.query<{ approval_id: string; payload: Record<string, unknown> }>(
      `SELECT approval_id, payload FROM deliveries WHERE channel = 'notify' AND approval_id = ANY ($1)`,
      [ids],
    );
    const payloadOf = new Map(rows.map((r) => [r.approval_id, r.payload]));
    const marked = ids.map((id) => payloadOf.get(id)?.named === true);
    expect(marked).toEqual([...items, ...items].map(namesItsApprovers));
    expect(marked).toEqual([false, false, true, true, false, false, true, true]);
  });
});
