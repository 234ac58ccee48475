import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

async function create(seed: SeededOrg, n: number, made: string[]) {
  for (let i = 0; i < n; i++) {
    const res = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: `item ${made.length}` })).expect(201);
    made.push(res.body.id);
  }
}

/** Follows `next_page_token` to the end, creating `during[i]` requests after the i-th page. */
async function walk(seed: SeededOrg, query: string, during: number[], made: string[]): Promise<string[]> {
  const seen: string[] = [];
  let token: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const q: string = token ? `${query}&page_token=${token}` : query;
    const res: { body: { data: { id: string }[]; next_page_token: string | null } } = await server.http(seed.key).get(`/api/v1/approvals?${q}`).expect(200);
    seen.push(...res.body.data.map((a) => a.id));
    token = res.body.next_page_token;
    if (!token) return seen;
    await create(seed, during[page] ?? 0, made);
  }
  throw new Error('the walk did not end');
}

describe('GET /api/v1/approvals?reverse=true', () => {
  it('walks the same requests as the forward walk in the opposite order, none missed or repeated, while requests are created', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom('', '&sort=created_at', '&status=pending'),
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 6 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 6 }),
        async (initial, pageSize, filter, duringForward, duringReverse) => {
          const seed = await seedOrg(server.db);
          const made: string[] = [];
          await create(seed, initial, made);
          const ascending = filter === '&sort=created_at';

          const forward = await walk(seed, `page_size=${pageSize}${filter}`, duringForward, made);
          // A keyset walk shows what existed when it began, in its order; later requests sort before
          // a newest-first cursor and are not shown, after an oldest-first one and are.
          const atForwardStart = made.slice(0, initial);
          if (ascending) expect(forward.slice(0, initial)).toEqual(atForwardStart);
          else expect(forward).toEqual([...atForwardStart].reverse());
          expect(new Set(forward).size).toBe(forward.length);

          const beforeReverse = [...made];
          const reverse = await walk(seed, `page_size=${pageSize}${filter}&reverse=true`, duringReverse, made);
          expect(new Set(reverse).size).toBe(reverse.length);
          if (ascending) {
            // Reversed oldest-first is newest-first: exactly what existed at the start.
            expect(reverse).toEqual([...beforeReverse].reverse());
          } else {
            // Reversed newest-first is oldest-first: what existed, then what was created during the walk.
            expect(reverse).toEqual(made);
            expect(reverse.slice(0, forward.length)).toEqual([...forward].reverse());
          }
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);

  it('answers page numbers in the reversed order too, and refuses a token of the other direction', async () => {
    const seed = await seedOrg(server.db);
    const made: string[] = [];
    await create(seed, 5, made);
    const first = await server.http(seed.key).get('/api/v1/approvals?page_size=2&reverse=true').expect(200);
    expect(first.body.data.map((a: { id: string }) => a.id)).toEqual(made.slice(0, 2));
    const second = await server.http(seed.key).get('/api/v1/approvals?page_size=2&page=3&reverse=true').expect(200);
    expect(second.body.data.map((a: { id: string }) => a.id)).toEqual(made.slice(4));
    const wrong = await server.http(seed.key).get(`/api/v1/approvals?page_size=2&page_token=${first.body.next_page_token}`).expect(400);
    expect(wrong.body.error.code).toBe('INVALID_PAGE_TOKEN');
  });
});
