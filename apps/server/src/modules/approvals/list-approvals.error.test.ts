import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { listWithBound } from '../../testing/list-approvals.ts';
import { estimateSql, planRows } from './query-approvals.ts';

let server: TestServer;
let seed: SeededOrg;
let token: string;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
  for (let i = 0; i < 3; i++) await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ tags: { env: 'prod' } })).expect(201);
  token = (await server.http(seed.key).get('/api/v1/approvals?page_size=1&status=pending').expect(200)).body.next_page_token;
}, 60_000);
afterAll(() => server.stop(), 60_000);

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const decoded = () => JSON.parse(Buffer.from(token, 'base64url').toString()) as Record<string, unknown>;

describe('GET /api/v1/approvals — invalid query', () => {
  it.each([
    ['an empty status', 'status=', 'status: Too small: expected array to have >=1 items'],
    ['page 0', 'page=0', 'page: Too small: expected number to be >=1'],
    ['a page that is not a number', 'page=abc', 'page: Invalid input: expected number, received NaN'],
    ['page_size 0', 'page_size=0', 'page_size: Too small: expected number to be >=1'],
    ['a fractional page_size', 'page_size=2.5', 'page_size: Invalid input: expected int, received number'],
    ['an unknown sort', 'sort=title', 'sort: Invalid option: expected one of "created_at"|"-created_at"|"updated_at"|"-updated_at"|"decided_at"|"-decided_at"'],
    ['created_after that is not a timestamp', 'created_after=yesterday', 'created_after: Invalid ISO datetime'],
    ['updated_after as a date only', 'updated_after=2026-01-01', 'updated_after: Invalid ISO datetime'],
    ['decided_after as epoch seconds', 'decided_after=1711296000', 'decided_after: Invalid ISO datetime'],
    ['tags without a colon', 'tags=env', 'tags: tags must be key:value pairs separated by commas'],
    ['tags with an empty key', 'tags=:prod', 'tags: tags must be key:value pairs separated by commas'],
    ['a search of 201 characters', `search=${'a'.repeat(201)}`, 'search: Too big: expected string to have <=200 characters'],
    ['a blank search', 'search=%20%20', 'search: Too small: expected string to have >=1 characters'],
  ])('%s → 400 VALIDATION_ERROR', async (_name, query, message) => {
    const res = await server.http(seed.key).get(`/api/v1/approvals?${query}`).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message, details: { location: 'query' } });
  });
});

const STATUS_OPTIONS = 'Invalid option: expected one of "pending"|"approved"|"rejected"|"cancelled"|"expired"';
const PRIORITY_OPTIONS = 'Invalid option: expected one of "low"|"medium"|"high"|"critical"';

describe('GET /api/v1/approvals — unknown values in comma lists', () => {
  it.each([
    ['an unknown status', 'status=bogus', 'status.0', STATUS_OPTIONS],
    ['one unknown status in a list', 'status=pending,done', 'status.1', STATUS_OPTIONS],
    ['an unknown priority', 'priority=urgent', 'priority.0', PRIORITY_OPTIONS],
    ['one unknown priority in a list', 'priority=high,severe', 'priority.1', PRIORITY_OPTIONS],
  ])('%s → 400 VALIDATION_ERROR', async (_name, query, path, issue) => {
    const res = await server.http(seed.key).get(`/api/v1/approvals?${query}`).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(res.body.error.message).toBe(`${path}: ${issue}`);
    expect(res.body.error.details).toEqual({ location: 'query', issues: [{ path, code: 'invalid_value', message: issue }] });
  });
});

describe('GET /api/v1/approvals — invalid page_token', () => {
  const NOT_ISSUED = 'page_token is not a token this API issued';
  const OTHER_LIST = 'page_token was issued for different filters or sort order';

  it.each([
    ['garbage', () => 'garbage!!', NOT_ISSUED],
    ['base64url that is not JSON', () => b64('not json'), NOT_ISSUED],
    ['JSON of the wrong shape', () => b64({ hello: 'world' }), NOT_ISSUED],
    ['a JSON array', () => b64([1, 2]), NOT_ISSUED],
    ['a token with an extra field', () => b64({ ...decoded(), x: 1 }), NOT_ISSUED],
    ['a token whose position is SQL', () => b64({ ...decoded(), v: "2026-01-01'; DROP TABLE approvals; --" }), NOT_ISSUED],
    ['a token whose seq is not a number', () => b64({ ...decoded(), s: '1 OR 1=1' }), NOT_ISSUED],
    ['a token with page 0', () => b64({ ...decoded(), p: 0 }), NOT_ISSUED],
    ['a token with a forged filter hash', () => b64({ ...decoded(), h: 'A'.repeat(22) }), OTHER_LIST],
  ])('%s → 400 INVALID_PAGE_TOKEN', async (_name, make, message) => {
    const res = await server.http(seed.key).get(`/api/v1/approvals?page_size=1&status=pending&page_token=${encodeURIComponent(make())}`).expect(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_PAGE_TOKEN', message });
  });

  it.each([
    ['without the filter it was issued for', 'page_size=1'],
    ['with another status', 'page_size=1&status=cancelled'],
    ['with an extra filter', 'page_size=1&status=pending&tags=env:prod'],
    ['with another sort', 'page_size=1&status=pending&sort=created_at'],
    ['with -updated_at instead of the default -created_at', 'page_size=1&status=pending&sort=-updated_at'],
  ])('a token used %s → 400 INVALID_PAGE_TOKEN', async (_name, query) => {
    const res = await server.http(seed.key).get(`/api/v1/approvals?${query}&page_token=${token}`).expect(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_PAGE_TOKEN', message: OTHER_LIST });
  });

  it('accepts the token with the same filters, whatever page_size or page', async () => {
    await server.http(seed.key).get(`/api/v1/approvals?page_size=1&status=pending&page_token=${token}`).expect(200);
    await server.http(seed.key).get(`/api/v1/approvals?status=pending&page_size=5&page=9&sort=-created_at&page_token=${token}`).expect(200);
    await server.http(seed.key).get(`/api/v1/approvals?status=pending,pending&page_token=${token}`).expect(400);
  });

  it('accepts the token when a comma list names the same values in another order', async () => {
    const listed = await server.http(seed.key).get('/api/v1/approvals?page_size=1&status=pending,cancelled&priority=high,low').expect(200);
    const res = await server
      .http(seed.key)
      .get(`/api/v1/approvals?page_size=1&status=cancelled,pending&priority=low,high&page_token=${listed.body.next_page_token}`)
      .expect(200);
    expect(res.body.pagination.page).toBe(2);
  });
});

describe('GET /api/v1/approvals — estimated totals that would contradict the page', () => {
  const createN = async (org: SeededOrg, n: number) => {
    for (let i = 0; i < n; i++) await server.http(org.key).post('/api/v1/approvals').send(approvalBody({ title: `item ${i}` })).expect(201);
  };

  it('raises an estimate below the rows this page shows to exist', async () => {
    const org = await seedOrg(server.db);
    // Statistics from before the org had any request: the planner expects next to none.
    await server.db.query('ANALYZE approvals');
    await createN(org, 20);
    const explained = await server.db.query<{ 'QUERY PLAN': unknown }>(estimateSql('a.org_id = $1'), [org.org.id]);
    const estimate = planRows(explained.rows[0]!['QUERY PLAN']);
    expect(estimate).toBeLessThan(16);

    // Page 5 of 3 starts after 12 rows, shows 3 and knows of one more: at least 16 exist.
    const body = await listWithBound(server, org, 2, 'page=5&page_size=3');
    expect(body.data).toHaveLength(3);
    expect(body.pagination).toEqual({ page: 5, page_size: 3, total: 16, total_pages: 6, total_exact: false });
    // Page 1 shows only 4: the bound's floor, 3, is beaten by what it shows.
    expect((await listWithBound(server, org, 2, 'page_size=3')).pagination.total).toBe(Math.max(estimate, 4));
  });

  it('claims no total from an empty page past the end of an estimated list', async () => {
    const org = await seedOrg(server.db);
    await createN(org, 5);
    const body = await listWithBound(server, org, 2, 'page=9&page_size=3');
    expect(body.data).toEqual([]);
    expect(body.next_page_token).toBeNull();
    expect(body.pagination.total_exact).toBe(false);
    // Not 24 (the rows before page 9), which this page cannot prove; never below the bound's floor.
    expect(body.pagination.total).toBeGreaterThanOrEqual(3);
    expect(body.pagination.total).toBeLessThan(24);
  });

  it('reads the planner’s row estimate whichever form the driver hands it in, and nothing from anything else', () => {
    const doc = [{ Plan: { 'Node Type': 'Seq Scan', 'Plan Rows': 248017 } }];
    expect(planRows(doc)).toBe(248017);
    expect(planRows(JSON.stringify(doc))).toBe(248017);
    expect(planRows([{ Plan: { 'Plan Rows': 12.6 } }])).toBe(13);
    for (const odd of [undefined, null, [], {}, [{}], [{ Plan: {} }], [{ Plan: { 'Plan Rows': '5' } }], '[]', 'Seq Scan']) expect(planRows(odd)).toBe(0);
  });
});
