/**
 * The examples of the peer API documents (../shared/spec/), sent to Greenlight with its base URL and
 * a Greenlight key, answer as those documents describe, wherever Greenlight covers the feature they
 * show. One case per document; each step is an example of the document, adapted only where
 * Greenlight's create needs a field the peer's does not (`priority`) or names its path differently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

const future = () => new Date(Date.now() + 2 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

type Seed = { document: string; run(seed: SeededOrg): Promise<void> };

const SEEDS: Seed[] = [
  {
    document: 'human-approval-api-v1.txt',
    async run(seed) {
      // POST /requests: payload is the request's data; external_id is the caller's reference.
      const expires = future();
      const created = await server
        .http(seed.key)
        .post('/api/v1/approvals')
        .send({
          title: 'Brief description of what needs approval',
          description: 'Optional longer description',
          external_id: 'your-reference-id',
          payload: { any: 'custom data you need' },
          expires_at: expires,
          priority: 'medium',
        })
        .expect(201);
      expect(created.body).toMatchObject({
        status: 'pending',
        title: 'Brief description of what needs approval',
        external_id: 'your-reference-id',
        metadata: { any: 'custom data you need' },
        expires_at: new Date(expires).toISOString(),
      });
      // The decision, with its note, answered as decision_note and decided_by_id.
      const approver = await seed.newKey({ name: 'approver' });
      const decided = await server
        .http(approver.key)
        .patch(`/api/v1/approvals/${created.body.id}`)
        .send({ decision: 'approve', decision_note: 'Looks good to me' })
        .expect(200);
      expect(decided.body).toMatchObject({ status: 'approved', decision_note: 'Looks good to me', decided_by_id: approver.connectionId });
    },
  },
  {
    document: 'kaireon-approvals-api-v1.txt',
    async run(seed) {
      // POST /api/v1/approvals with the entity it changes and the action.
      const created = await server
        .http(seed.key)
        .post('/api/v1/approvals')
        .send(approvalBody({ entity_type: 'qualificationRule', entity_id: 'qr_001', entity_name: 'Credit Score Rule', action: 'update' }))
        .expect(201);
      expect(created.body).toMatchObject({ entity_type: 'qualificationRule', entity_id: 'qr_001', entity_name: 'Credit Score Rule', action: 'update', status: 'pending' });
      // GET /api/v1/approvals lists it, filtered by the entity.
      const listed = await server.http(seed.key).get('/api/v1/approvals?entity_type=qualificationRule&entity_id=qr_001').expect(200);
      expect(listed.body.data.map((a: { id: string }) => a.id)).toEqual([created.body.id]);
      // GET /api/v1/approvals/{id}
      const got = await server.http(seed.key).get(`/api/v1/approvals/${created.body.id}`).expect(200);
      expect(got.body).toMatchObject({ entity_type: 'qualificationRule', entity_id: 'qr_001', entity_name: 'Credit Score Rule', action: 'update' });
    },
  },
  {
    document: 'approval-runs-api.txt',
    async run(seed) {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: `run ${i}` })).expect(201)).body.id);
      // pageSize, pageToken and reverse: the same runs, the other way round, page by page.
      const seen: string[] = [];
      let token: string | null = null;
      do {
        const q: string = `page_size=2&reverse=true${token ? `&page_token=${token}` : ''}`;
        const page: { body: { data: { id: string }[]; next_page_token: string | null } } = await server.http(seed.key).get(`/api/v1/approvals?${q}`).expect(200);
        seen.push(...page.body.data.map((a) => a.id));
        token = page.body.next_page_token;
      } while (token);
      expect(seen).toEqual(ids);
    },
  },
  {
    document: 'okrs-tool-api-v1.txt',
    async run(seed) {
      // Each key is rate-limited to 60 requests per minute; the 61st gets 429 with Retry-After and retry_after_seconds.
      const { key } = await seed.newKey({ rateLimit: 60, rateLimitWindow: 'minute' });
      for (let i = 0; i < 60; i++) await server.http(key).get('/api/v1/me').expect(200);
      const refused = await server.http(key).get('/api/v1/me').expect(429);
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(61);
      expect(refused.body.error).toMatchObject({ code: 'RATE_LIMITED', details: { retry_after_seconds: retryAfter } });
    },
  },
];

describe('the peer API documents’ examples, against Greenlight', () => {
  it.each(SEEDS.map((s) => [s.document, s] as const))('%s', async (_document, s) => {
    await s.run(await seedOrg(server.db));
  });
});
