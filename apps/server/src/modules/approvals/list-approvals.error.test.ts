import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';

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
