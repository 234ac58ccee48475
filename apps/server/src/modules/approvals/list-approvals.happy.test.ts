import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Approval, ListApprovalsQuery, SORTS, type ApprovalList } from '@greenlight/contract';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { listWithBound } from '../../testing/list-approvals.ts';
import { servedInOrder, sortSpec } from './query-approvals.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

interface Item {
  id: string;
  title: string;
  status: string;
  priority: string;
}

async function create(seed: SeededOrg, overrides: Record<string, unknown> = {}): Promise<Item> {
  const res = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody(overrides)).expect(201);
  return res.body;
}

/** Creates `n` requests one after another, so their created_at order is their creation order. */
async function createSeries(seed: SeededOrg, n: number, overrides: (i: number) => Record<string, unknown> = () => ({})) {
  const out: Item[] = [];
  for (let i = 0; i < n; i++) out.push(await create(seed, { title: `item ${i}`, ...overrides(i) }));
  return out;
}

async function list(seed: SeededOrg, query: string) {
  return (await server.http(seed.key).get(`/api/v1/approvals?${query}`).expect(200)).body as {
    data: Item[];
    pagination: { page: number; page_size: number; total: number; total_pages: number; total_exact: boolean };
    next_page_token: string | null;
  };
}

const ids = (items: { id: string }[]) => items.map((i) => i.id);

/** Follows next_page_token to the end; returns every id in order and the page numbers reported. */
async function walk(seed: SeededOrg, query: string) {
  const all: string[] = [];
  const pages: number[] = [];
  let token: string | null = null;
  for (let guard = 0; guard < 1000; guard++) {
    const body = await list(seed, `${query}${token ? `&page_token=${token}` : ''}`);
    all.push(...ids(body.data));
    pages.push(body.pagination.page);
    token = body.next_page_token;
    if (!token) return { ids: all, pages };
  }
  throw new Error('pagination did not end');
}

/** The order the API must produce, computed by the database independently of the handler. */
async function expectedOrder(orgId: string, sort: (typeof SORTS)[number]) {
  const column = sort.replace('-', '');
  const dir = sort.startsWith('-') ? 'DESC' : 'ASC';
  const { rows } = await server.db.query<{ id: string }>(
    `SELECT id FROM approvals WHERE org_id = $1 ${column === 'decided_at' ? 'AND decided_at IS NOT NULL' : ''}
      ORDER BY ${column} ${dir}, seq ${dir}`,
    [orgId],
  );
  return ids(rows);
}

async function setTimes(id: string, t: { created_at?: string; updated_at?: string; decided_at?: string | null }) {
  await server.db.query(
    `UPDATE approvals SET created_at = COALESCE($2::timestamptz, created_at), updated_at = COALESCE($3::timestamptz, updated_at),
            decided_at = CASE WHEN $5 THEN $4::timestamptz ELSE decided_at END,
            status = CASE WHEN $4::timestamptz IS NOT NULL THEN 'approved' ELSE status END
      WHERE id = $1`,
    [id, t.created_at ?? null, t.updated_at ?? null, t.decided_at ?? null, 'decided_at' in t],
  );
}

describe('GET /api/v1/approvals — shape', () => {
  it('answers the spec’s {data, pagination} with full requests, newest first, 20 per page by default', async () => {
    const seed = await seedOrg(server.db);
    const [first, second] = await createSeries(seed, 2);
    const res = await server.http(seed.key).get('/api/v1/approvals').expect(200);
    expect(res.body).toEqual({
      data: [expect.objectContaining({ id: second!.id }), expect.objectContaining({ id: first!.id })],
      pagination: { page: 1, page_size: 20, total: 2, total_pages: 1, total_exact: true },
      next_page_token: null,
    });
    // The fields the spec documents for list items, and the whole Approval besides.
    expect(res.body.data[0]).toMatchObject({ id: second!.id, title: 'item 1', status: 'pending', priority: 'high', created_at: expect.stringMatching(/Z$/) });
    expect(Object.keys(res.body.data[0]).sort()).toEqual(Object.keys(Approval.shape).sort());
    const got = await server.http(seed.key).get(`/api/v1/approvals/${first!.id}`).expect(200);
    const { run: _run, results: _results, ...approval } = got.body;
    expect(res.body.data[1]).toEqual(approval);
  });

  it('answers an empty page for an org without requests', async () => {
    const seed = await seedOrg(server.db);
    expect(await list(seed, '')).toEqual({ data: [], pagination: { page: 1, page_size: 20, total: 0, total_pages: 0, total_exact: true }, next_page_token: null });
  });
});

describe('GET /api/v1/approvals — filters', () => {
  it('filters by status and priority, each a single value or a comma list (the spec example)', async () => {
    const seed = await seedOrg(server.db);
    const pendingHigh = await create(seed, { priority: 'high' });
    const pendingLow = await create(seed, { priority: 'low' });
    const cancelledHigh = await create(seed, { priority: 'high' });
    const pendingCritical = await create(seed, { priority: 'critical' });
    await server.http(seed.key).delete(`/api/v1/approvals/${cancelledHigh.id}`).expect(200);

    const byQuery = async (q: string) => ids((await list(seed, q)).data).sort();
    expect(await byQuery('status=pending&priority=high')).toEqual([pendingHigh.id]);
    expect(await byQuery('status=cancelled')).toEqual([cancelledHigh.id]);
    expect(await byQuery('status=approved')).toEqual([]);
    expect(await byQuery('status=pending,cancelled')).toEqual([pendingHigh.id, pendingLow.id, cancelledHigh.id, pendingCritical.id].sort());
    expect(await byQuery('priority=low')).toEqual([pendingLow.id]);
    expect(await byQuery('priority=high,critical')).toEqual([pendingHigh.id, cancelledHigh.id, pendingCritical.id].sort());
    expect(await byQuery('priority=high, critical&status=pending')).toEqual([pendingHigh.id, pendingCritical.id].sort());
    expect((await list(seed, 'status=pending')).pagination.total).toBe(3);
  });

  it('searches title and description with web-search syntax (the spec example: search=deploy+production)', async () => {
    const seed = await seedOrg(server.db);
    const deploy = await create(seed, { title: 'Deploy v2.4.0 to production', description: 'Release includes database migration' });
    const staging = await create(seed, { title: 'Deploy v2.4.0 to staging', description: 'Dry run' });
    const described = await create(seed, { title: 'Database migration', description: 'Deploying to the production cluster' });
    const other = await create(seed, { title: 'Delete user account #4821', description: 'Permanent deletion requested by user' });

    const search = async (q: string) => ids((await list(seed, `search=${q}`)).data).sort();
    expect(await search('deploy+production')).toEqual([deploy.id, described.id].sort());
    expect(await search('deploy')).toEqual([deploy.id, staging.id, described.id].sort());
    expect(await search(encodeURIComponent('"user account"'))).toEqual([other.id]);
    expect(await search(encodeURIComponent('deploy -staging'))).toEqual([deploy.id, described.id].sort());
    expect(await search(encodeURIComponent('staging or deletion'))).toEqual([staging.id, other.id].sort());
    expect(await search('nothing-matches-this')).toEqual([]);
    // Punctuation that would break a to_tsquery parser is just text here.
    expect(await search(encodeURIComponent("deploy & ! ( ' :*"))).toEqual([deploy.id, staging.id, described.id].sort());
  });

  it('filters by external_id, idempotency_key, action_type and source', async () => {
    const seed = await seedOrg(server.db);
    const a = await create(seed, { external_id: 'SUP-1', action_type: 'user.delete', source: 'support-bot', idempotency_key: 'run-42' });
    const b = await create(seed, { external_id: 'SUP-2', action_type: 'user.delete', source: 'zapier' });
    const c = await create(seed, { action_type: 'deploy.production', source: 'zapier' });
    const byQuery = async (q: string) => ids((await list(seed, q)).data).sort();
    expect(await byQuery('external_id=SUP-1')).toEqual([a.id]);
    expect(await byQuery('external_id=SUP-3')).toEqual([]);
    expect(await byQuery('idempotency_key=run-42')).toEqual([a.id]);
    expect(await byQuery('idempotency_key=run-43')).toEqual([]);
    expect(await byQuery('action_type=user.delete')).toEqual([a.id, b.id].sort());
    expect(await byQuery('source=zapier')).toEqual([b.id, c.id].sort());
    expect(await byQuery('source=zapier&action_type=user.delete')).toEqual([b.id]);
  });

  it('filters by tags: every pair must match', async () => {
    const seed = await seedOrg(server.db);
    const prodPlatform = await create(seed, { tags: { env: 'production', team: 'platform' } });
    const prodData = await create(seed, { tags: { env: 'production', team: 'data' } });
    const staging = await create(seed, { tags: { env: 'staging', url: 'http://x:1' } });
    await create(seed);
    const byTags = async (t: string) => ids((await list(seed, `tags=${encodeURIComponent(t)}`)).data).sort();
    expect(await byTags('env:production')).toEqual([prodPlatform.id, prodData.id].sort());
    expect(await byTags('env:production,team:platform')).toEqual([prodPlatform.id]);
    expect(await byTags('env:production,team:nobody')).toEqual([]);
    expect(await byTags('env:prod')).toEqual([]);
    // Only the first colon separates key from value.
    expect(await byTags('url:http://x:1')).toEqual([staging.id]);
  });

  it('created_after, updated_after and decided_after are strictly after', async () => {
    const seed = await seedOrg(server.db);
    const [a, b, c] = await createSeries(seed, 3);
    await setTimes(a!.id, { created_at: '2026-01-01T10:00:00.000Z', updated_at: '2026-01-05T10:00:00.000Z', decided_at: '2026-01-05T10:00:00.000Z' });
    await setTimes(b!.id, { created_at: '2026-01-02T10:00:00.000Z', updated_at: '2026-01-03T10:00:00.000Z', decided_at: '2026-01-03T10:00:00.000Z' });
    await setTimes(c!.id, { created_at: '2026-01-03T10:00:00.000Z', updated_at: '2026-01-04T10:00:00.000Z' });
    const byQuery = async (q: string) => ids((await list(seed, q)).data).sort();

    expect(await byQuery('created_after=2026-01-02T10:00:00.000Z')).toEqual([c!.id]);
    expect(await byQuery('created_after=2026-01-02T09:59:59.999Z')).toEqual([b!.id, c!.id].sort());
    // The same instant with an offset.
    expect(await byQuery(`created_after=${encodeURIComponent('2026-01-02T12:00:00+02:00')}`)).toEqual([c!.id]);
    expect(await byQuery('updated_after=2026-01-04T10:00:00.000Z')).toEqual([a!.id]);
    expect(await byQuery('updated_after=2026-01-03T10:00:00.000Z')).toEqual([a!.id, c!.id].sort());
    expect(await byQuery('decided_after=2026-01-03T10:00:00.000Z')).toEqual([a!.id]);
    expect(await byQuery('decided_after=2020-01-01T00:00:00.000Z')).toEqual([a!.id, b!.id].sort());
    expect(await byQuery('created_after=2026-01-01T10:00:00.000Z&updated_after=2026-01-03T10:00:00.000Z')).toEqual([c!.id]);
  });
});

describe('GET /api/v1/approvals — sorting', () => {
  it('sorts by created_at, updated_at and decided_at either way; decided_at lists decided requests only', async () => {
    const seed = await seedOrg(server.db);
    const [a, b, c, d] = await createSeries(seed, 4);
    await setTimes(a!.id, { updated_at: '2026-02-04T00:00:00.000Z', decided_at: '2026-02-02T00:00:00.000Z' });
    await setTimes(b!.id, { updated_at: '2026-02-01T00:00:00.000Z' });
    await setTimes(c!.id, { updated_at: '2026-02-03T00:00:00.000Z', decided_at: '2026-02-01T00:00:00.000Z' });
    await setTimes(d!.id, { updated_at: '2026-02-02T00:00:00.000Z' });
    const sorted = async (sort: string) => ids((await list(seed, `sort=${sort}`)).data);

    expect(await sorted('created_at')).toEqual([a!.id, b!.id, c!.id, d!.id]);
    expect(await sorted('-created_at')).toEqual([d!.id, c!.id, b!.id, a!.id]);
    expect(ids((await list(seed, '')).data)).toEqual([d!.id, c!.id, b!.id, a!.id]);
    expect(await sorted('updated_at')).toEqual([b!.id, d!.id, c!.id, a!.id]);
    expect(await sorted('-updated_at')).toEqual([a!.id, c!.id, d!.id, b!.id]);
    expect(await sorted('decided_at')).toEqual([c!.id, a!.id]);
    expect(await sorted('-decided_at')).toEqual([a!.id, c!.id]);
    expect((await list(seed, 'sort=decided_at')).pagination).toEqual({ page: 1, page_size: 20, total: 2, total_pages: 1, total_exact: true });
  });
});

describe('GET /api/v1/approvals — page numbers', () => {
  it('splits 25 requests into pages of 10, 10 and 5, then an empty page', async () => {
    const seed = await seedOrg(server.db);
    const created = await createSeries(seed, 25);
    const newestFirst = ids(created).reverse();
    const p1 = await list(seed, 'page=1&page_size=10');
    const p2 = await list(seed, 'page=2&page_size=10');
    const p3 = await list(seed, 'page=3&page_size=10');
    const p4 = await list(seed, 'page=4&page_size=10');
    expect([p1, p2, p3, p4].map((p) => p.data.length)).toEqual([10, 10, 5, 0]);
    expect([...ids(p1.data), ...ids(p2.data), ...ids(p3.data)]).toEqual(newestFirst);
    for (const [i, p] of [p1, p2, p3, p4].entries()) expect(p.pagination).toEqual({ page: i + 1, page_size: 10, total: 25, total_pages: 3, total_exact: true });
    expect(p1.next_page_token).not.toBeNull();
    expect(p2.next_page_token).not.toBeNull();
    expect(p3.next_page_token).toBeNull();
    expect(p4.next_page_token).toBeNull();
  });

  it('clamps page_size to 100 (the spec example page=2&page_size=50 works)', async () => {
    const seed = await seedOrg(server.db);
    await createSeries(seed, 3);
    expect((await list(seed, 'page_size=500')).pagination).toEqual({ page: 1, page_size: 100, total: 3, total_pages: 1, total_exact: true });
    expect((await list(seed, 'page=2&page_size=50')).pagination).toEqual({ page: 2, page_size: 50, total: 3, total_pages: 1, total_exact: true });
  });

  it('hands out a token from a numbered page that continues with the next page', async () => {
    const seed = await seedOrg(server.db);
    await createSeries(seed, 12);
    const p2 = await list(seed, 'page=2&page_size=5');
    const viaToken = await list(seed, `page_size=5&page_token=${p2.next_page_token}`);
    const p3 = await list(seed, 'page=3&page_size=5');
    expect(ids(viaToken.data)).toEqual(ids(p3.data));
    expect(viaToken.pagination).toEqual({ page: 3, page_size: 5, total: 12, total_pages: 3, total_exact: true });
    expect(viaToken.next_page_token).toBeNull();
  });
});

describe('GET /api/v1/approvals — cursor', () => {
  it('walks every sort order across pages with requests created in the same millisecond, missing and repeating nothing', async () => {
    const seed = await seedOrg(server.db);
    const n = 47;
    const created = await Promise.all(Array.from({ length: n }, (_, i) => create(seed, { title: `burst ${i}` })));
    // Force the collisions: a third share one microsecond; the rest differ by microseconds within one
    // millisecond, which a cursor rounded to milliseconds would get wrong.
    await server.db.query(
      `UPDATE approvals SET created_at = '2026-03-24T10:00:00.123Z'::timestamptz + (seq % 3) * interval '1 microsecond',
                            updated_at = '2026-03-24T11:00:00.456Z'::timestamptz + (seq % 5) * interval '1 microsecond',
                            decided_at = CASE WHEN seq % 4 = 0 THEN NULL ELSE '2026-03-24T12:00:00.789Z'::timestamptz + (seq % 2) * interval '1 microsecond' END
        WHERE org_id = $1`,
      [seed.org.id],
    );
    for (const sort of SORTS) {
      const expected = await expectedOrder(seed.org.id, sort);
      for (const size of [1, 7, 10]) {
        const walked = await walk(seed, `sort=${sort}&page_size=${size}`);
        expect(walked.ids, `${sort} by ${size}`).toEqual(expected);
        expect(walked.pages).toEqual(Array.from({ length: Math.max(1, Math.ceil(expected.length / size)) }, (_, i) => i + 1));
      }
    }
    expect(new Set(await expectedOrder(seed.org.id, '-created_at'))).toEqual(new Set(ids(created)));
  });

  it('ends with exactly-full pages: 30 requests by 10 are three pages and no empty fourth', async () => {
    const seed = await seedOrg(server.db);
    const created = await createSeries(seed, 30);
    const walked = await walk(seed, 'page_size=10');
    expect(walked.pages).toEqual([1, 2, 3]);
    expect(walked.ids).toEqual(ids(created).reverse());
    const asc = await walk(seed, 'page_size=10&sort=created_at');
    expect(asc.ids).toEqual(ids(created));
    // A single exactly-full page has no next page either.
    expect((await list(seed, 'page_size=30')).next_page_token).toBeNull();
  });

  it('walks filtered lists: totals and tokens stay those of the filter', async () => {
    const seed = await seedOrg(server.db);
    const created = await createSeries(seed, 21, (i) => ({ tags: { parity: i % 2 ? 'odd' : 'even' }, priority: i % 3 ? 'low' : 'high' }));
    const expected = created.filter((_, i) => i % 2 === 0 && i % 3 !== 0).reverse();
    const first = await list(seed, 'tags=parity:even&priority=low&page_size=3');
    expect(first.pagination).toEqual({ page: 1, page_size: 3, total: expected.length, total_pages: Math.ceil(expected.length / 3), total_exact: true });
    const walked = await walk(seed, 'tags=parity:even&priority=low&page_size=3');
    expect(walked.ids).toEqual(ids(expected));
  });

  it('ignores page when page_token is given', async () => {
    const seed = await seedOrg(server.db);
    await createSeries(seed, 9);
    const p1 = await list(seed, 'page_size=3');
    const withPage = await list(seed, `page_size=3&page=3&page_token=${p1.next_page_token}`);
    const p2 = await list(seed, 'page_size=3&page=2');
    expect(ids(withPage.data)).toEqual(ids(p2.data));
    expect(withPage.pagination.page).toBe(2);
  });

  it('neither repeats nor skips when requests are created between pages', async () => {
    const seed = await seedOrg(server.db);
    const created = await createSeries(seed, 10);
    const p1 = await list(seed, 'page_size=4');
    // Newer requests land before the cursor in newest-first order; with page numbers they would shift p2.
    await createSeries(seed, 3, () => ({ title: 'late' }));
    const p2 = await list(seed, `page_size=4&page_token=${p1.next_page_token}`);
    const p3 = await list(seed, `page_size=4&page_token=${p2.next_page_token}`);
    expect([...ids(p1.data), ...ids(p2.data), ...ids(p3.data)]).toEqual(ids(created).reverse());
    expect(p3.next_page_token).toBeNull();
    expect(p3.pagination.total).toBe(13);
  });

  it('lets page_size change between pages', async () => {
    const seed = await seedOrg(server.db);
    const created = await createSeries(seed, 8);
    const p1 = await list(seed, 'page_size=2');
    const rest = await list(seed, `page_size=10&page_token=${p1.next_page_token}`);
    expect([...ids(p1.data), ...ids(rest.data)]).toEqual(ids(created).reverse());
  });
});

describe('GET /api/v1/approvals — totals beyond the exact count', () => {
  it('counts exactly up to the bound and says when the total is an estimate above it', async () => {
    const seed = await seedOrg(server.db);
    await createSeries(seed, 10);
    expect((await listWithBound(server, seed, 10, 'page_size=3')).pagination).toEqual({ page: 1, page_size: 3, total: 10, total_pages: 4, total_exact: true });

    const first = await listWithBound(server, seed, 9, 'page_size=3');
    expect(first.data).toHaveLength(3);
    expect(first.next_page_token).not.toBeNull();
    expect(first.pagination).toMatchObject({ page: 1, page_size: 3, total_exact: false });
    expect(first.pagination.total).toBeGreaterThanOrEqual(10);
    expect(first.pagination.total_pages).toBe(Math.ceil(first.pagination.total / 3));

    // A cursor page cannot tell how many rows came before it.
    const viaToken = await listWithBound(server, seed, 9, `page_size=3&page_token=${first.next_page_token}`);
    expect(viaToken.pagination).toMatchObject({ page: 2, total_exact: false });
    expect(viaToken.pagination.total).toBeGreaterThanOrEqual(10);
  });

  it('knows the total again on the last page reached by number', async () => {
    const seed = await seedOrg(server.db);
    const created = await createSeries(seed, 10);
    const last = await listWithBound(server, seed, 4, 'page=4&page_size=3');
    expect(ids(last.data)).toEqual([created[0]!.id]);
    expect(last.pagination).toEqual({ page: 4, page_size: 3, total: 10, total_pages: 4, total_exact: true });
    // An exactly-full last page too.
    const full = await listWithBound(server, seed, 4, 'page=2&page_size=5');
    expect(full.pagination).toEqual({ page: 2, page_size: 5, total: 10, total_pages: 2, total_exact: true });
    expect(full.next_page_token).toBeNull();
  });

  it('reports the planner’s estimate above the bound', async () => {
    const seed = await seedOrg(server.db);
    await createSeries(seed, 30, (i) => ({ priority: i % 3 ? 'low' : 'critical' }));
    // Fresh statistics: every org of this small table is in them with its exact share of rows.
    await server.db.query('ANALYZE approvals');
    const body = await listWithBound(server, seed, 5, 'page_size=2');
    expect(body.pagination).toEqual({ page: 1, page_size: 2, total: 30, total_pages: 15, total_exact: false });
    // Below the bound the count is exact again, whatever the statistics say.
    expect((await listWithBound(server, seed, 10, 'priority=critical')).pagination).toMatchObject({ total: 10, total_exact: true });
  });

  it('walks the index without counting further only where an index yields the rows in order with nothing to test', () => {
    const served = (qs: string) => {
      const query = ListApprovalsQuery.parse(Object.fromEntries(new URLSearchParams(qs)));
      return servedInOrder(query, sortSpec(query.sort));
    };
    for (const qs of ['', 'sort=created_at', 'sort=-updated_at', 'sort=decided_at', 'status=pending', 'status=approved&sort=created_at', 'page=3&page_size=7',
      'created_after=2026-01-01T00:00:00Z', 'sort=updated_at&updated_after=2026-01-01T00:00:00Z', 'sort=-decided_at&decided_after=2026-01-01T00:00:00Z']) {
      expect(served(qs), qs).toBe(true);
    }
    for (const qs of ['search=deploy', 'priority=high', 'tags=env:prod', 'source=bot', 'action_type=x', 'external_id=x', 'idempotency_key=x',
      'status=pending,approved', 'status=pending&sort=-updated_at', 'status=pending&sort=decided_at', 'sort=updated_at&created_after=2026-01-01T00:00:00Z',
      'decided_after=2026-01-01T00:00:00Z', 'status=pending&search=deploy']) {
      expect(served(qs), qs).toBe(false);
    }
  });

  it('reads the same pages whichever way it finds them: every sort, cursors and page numbers, with and without filters', async () => {
    const seed = await seedOrg(server.db);
    const n = 23;
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        create(seed, { title: i % 2 ? `Deploy build ${i} to production` : `Rotate key ${i}`, priority: i % 3 ? 'low' : 'high' }),
      ),
    );
    // Timestamps that collide within a microsecond and a millisecond, as in the cursor test above.
    await server.db.query(
      `UPDATE approvals SET created_at = '2026-03-24T10:00:00.123Z'::timestamptz + (seq % 3) * interval '1 microsecond',
                            updated_at = '2026-03-24T11:00:00.456Z'::timestamptz + (seq % 5) * interval '1 microsecond',
                            decided_at = CASE WHEN seq % 4 = 0 THEN NULL ELSE '2026-03-24T12:00:00.789Z'::timestamptz + (seq % 2) * interval '1 microsecond' END
        WHERE org_id = $1`,
      [seed.org.id],
    );
    const filters: [string, string][] = [
      ['', 'true'],
      ['search=deploy', `search_vector @@ websearch_to_tsquery('english', 'deploy')`],
      ['priority=high', `priority = 'high'`],
    ];
    // Bound 0: every non-empty list is "many", so the page walks the sort order's index. Bound 1000:
    // every list here is "few", so the page is sorted from the matches taken first.
    for (const bound of [0, 1000]) {
      for (const [filter, where] of filters) {
        for (const sort of SORTS) {
          const column = sort.replace('-', '');
          const dir = sort.startsWith('-') ? 'DESC' : 'ASC';
          const { rows } = await server.db.query<{ id: string }>(
            `SELECT id FROM approvals WHERE org_id = $1 AND ${where} ${column === 'decided_at' ? 'AND decided_at IS NOT NULL' : ''}
              ORDER BY ${column} ${dir}, seq ${dir}`,
            [seed.org.id],
          );
          const expected = ids(rows);
          const label = `bound ${bound}, ${filter || 'no filter'}, ${sort}`;
          for (const size of [4, 10]) {
            const q = `${filter}&sort=${sort}&page_size=${size}`;
            const byToken: string[] = [];
            const byNumber: string[] = [];
            let token: string | null = null;
            for (let page = 1; page <= Math.ceil(expected.length / size); page++) {
              const viaToken: ApprovalList = await listWithBound(server, seed, bound, token ? `${q}&page_token=${token}` : q);
              byToken.push(...ids(viaToken.data));
              token = viaToken.next_page_token;
              const numbered = await listWithBound(server, seed, bound, `${q}&page=${page}`);
              byNumber.push(...ids(numbered.data));
              // An estimate may be off either way, but never below what the page shows to exist.
              const { total, total_exact } = numbered.pagination;
              if (total_exact) expect(total, label).toBe(expected.length);
              else expect(total, label).toBeGreaterThanOrEqual((page - 1) * size + numbered.data.length + (numbered.next_page_token ? 1 : 0));
              expect(total_exact, label).toBe(bound > 0 || page === Math.ceil(expected.length / size));
            }
            expect(byToken, `${label} by ${size}, tokens`).toEqual(expected);
            expect(token, label).toBeNull();
            expect(byNumber, `${label} by ${size}, page numbers`).toEqual(expected);
          }
        }
      }
    }
  });
});
