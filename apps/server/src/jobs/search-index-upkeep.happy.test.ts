import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../testing/harness.ts';
import { mergePendingLists } from './search-index-upkeep.ts';

async function createSome(server: TestServer, seed: SeededOrg, word: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await server
      .http(seed.key)
      .post('/api/v1/approvals')
      .send(approvalBody({ title: `Rotate the ${word} key ${i}`, description: `${word} rotation, batch ${i}`, tags: { topic: word, n: String(i) } }))
      .expect(201);
    ids.push(res.body.id as string);
  }
  return ids;
}

describe('merging the search indexes’ pending lists', () => {
  let server: TestServer;
  let seed: SeededOrg;
  beforeAll(async () => {
    server = await startTestServer(); // upkeep every hour: this test merges by hand
    seed = await seedOrg(server.db);
  }, 60_000);
  afterAll(() => server.stop(), 60_000);

  it('merges what creates left pending, once, and search and tag filters find the requests before and after', async () => {
    const ids = await createSome(server, seed, 'ledger', 5);
    const find = async () => {
      const bySearch = await server.http(seed.key).get('/api/v1/approvals?search=ledger&page_size=50').expect(200);
      const byTag = await server.http(seed.key).get('/api/v1/approvals?tags=topic:ledger&page_size=50').expect(200);
      return [bySearch.body.data.map((a: { id: string }) => a.id).sort(), byTag.body.data.map((a: { id: string }) => a.id).sort()];
    };
    expect(await find()).toEqual([[...ids].sort(), [...ids].sort()]);
    expect(await mergePendingLists(server.db)).toBeGreaterThan(0);
    expect(await mergePendingLists(server.db)).toBe(0);
    expect(await find()).toEqual([[...ids].sort(), [...ids].sort()]);
  });
});

describe('the upkeep job', () => {
  let server: TestServer;
  let seed: SeededOrg;
  beforeAll(async () => {
    server = await startTestServer({ config: { GREENLIGHT_INDEX_UPKEEP_MS: '100' } });
    seed = await seedOrg(server.db);
  }, 60_000);
  afterAll(() => server.stop(), 60_000);

  it('merges pending entries on its own, off the request path', async () => {
    await createSome(server, seed, 'invoice', 5);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await mergePendingLists(server.db)).toBe(0);
  });
});
