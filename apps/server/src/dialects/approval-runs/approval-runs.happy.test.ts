/**
 * The approval-runs API document (shared/spec/approval-runs-api.txt), example by example, against a
 * real server at its own paths: each request sent as written (its headers; an API key as the Bearer
 * token), each documented response field checked by name and type; its pages read forwards and with
 * `reverse`. An approval of that API is a Greenlight flow and its runs the requests started from it:
 * here one is made through the KaireonAI API, routed into the flow by a routing rule, decided in the
 * dashboard, and read back as a run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn, type SignedIn } from '../../testing/session.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let server: TestServer;
let seed: SeededOrg;
let admin: SignedIn;
let approver: SignedIn;
let flowId: string;
let runsPath: string;
/** The flow's runs, oldest first. */
const runs: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db, 'Runs Org');
  admin = await signedIn(server, seed);
  approver = await signedIn(server, seed, 'approver');
  flowId = (await admin.http().post('/api/v1/flows').send({ name: 'Config change', steps: [{ name: 'Review', approvers: { user_ids: [approver.user.id] } }] }).expect(201)).body.id;
  runsPath = `/organizations/${seed.org.id}/approvals/${flowId}/runs`;
  for (let i = 1; i <= 5; i++) {
    const body = {
      title: `Change ${i}`,
      description: 'Raise the threshold',
      priority: 'medium',
      flow_id: flowId,
      changes: { before: { threshold: 600 + i }, after: { threshold: 650 + i } },
      tags: { team: 'risk', n: String(i) },
    };
    runs.push((await server.http(seed.key).post('/api/v1/approvals').send(body).expect(201)).body.id);
  }
}, 60_000);
afterAll(() => server?.stop());

/** The document's request: its Authorization and Accept headers as written, the token an API key. */
const get = (path: string) => server.http().get(path).set('Authorization', `Bearer ${seed.key}`).set('Accept', '*/*');

/** Every field of the document's run, with its type. */
const runShape = (fields: Record<string, unknown> = {}) => ({
  id: expect.stringMatching(UUID),
  approvalFlowId: flowId,
  organizationId: seed.org.id,
  workspaceId: seed.org.id,
  status: expect.any(String),
  activeStep: expect.any(Number),
  previousObject: expect.any(Object),
  object: expect.any(Object),
  invoker: { type: 'connection', id: seed.connectionId },
  tags: expect.arrayContaining([{ key: 'team', value: 'risk' }]),
  results: expect.any(Array),
  createdAt: expect.stringMatching(ISO),
  updatedAt: expect.stringMatching(ISO),
  ...fields,
});

describe('the approval-runs API document, example by example', () => {
  it('GET /organizations/{organizationId}/approvals/{approvalId}/runs → 200 {results, nextPageToken}', async () => {
    const res = await get(`${runsPath}?limit=2`).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ results: [expect.any(Object), expect.any(Object)], nextPageToken: expect.any(String) });
    expect(res.body.results[0]).toEqual(
      runShape({
        id: runs[4],
        status: 'pending',
        activeStep: 1,
        previousObject: { threshold: 605 },
        object: { threshold: 655 },
        tags: [
          { key: 'n', value: '5' },
          { key: 'team', value: 'risk' },
        ],
        results: [],
      }),
    );
  });

  it('GET …/runs/{approvalRunId} → 200 with the run', async () => {
    const res = await get(`${runsPath}/${runs[0]}`).expect(200);
    expect(res.body).toEqual(runShape({ id: runs[0], status: 'pending', activeStep: 1, previousObject: { threshold: 601 }, object: { threshold: 651 }, results: [] }));
  });

  it('the organization may be named by its slug too', async () => {
    await get(`/organizations/${seed.org.slug}/approvals/${flowId}/runs/${runs[0]}`).expect(200);
  });

  it('404 Resource not found: another organization, an unknown approval, a run of another approval', async () => {
    const other = await seedOrg(server.db, 'Other');
    expect((await get(`/organizations/${other.org.id}/approvals/${flowId}/runs`).expect(404)).body.error.code).toBe('NOT_FOUND');
    expect((await get(`/organizations/${seed.org.id}/approvals/${crypto.randomUUID()}/runs`).expect(404)).body.error.code).toBe('NOT_FOUND');
    const loose = (await server.http(seed.key).post('/api/v1/approvals').send({ title: 't', description: 'd', priority: 'low' }).expect(201)).body.id;
    expect((await get(`${runsPath}/${loose}`).expect(404)).body.error.code).toBe('NOT_FOUND');
    expect((await get(`${runsPath}/${crypto.randomUUID()}`).expect(404)).body.error.code).toBe('NOT_FOUND');
  });

  it('a single request is an approval with one run', async () => {
    const loose = (await server.http(seed.key).post('/api/v1/approvals').send({ title: 't', description: 'd', priority: 'low' }).expect(201)).body.id;
    const res = await get(`/organizations/${seed.org.id}/approvals/${loose}/runs`).expect(200);
    expect(res.body).toEqual({ results: [runShape({ id: loose, approvalFlowId: null, status: 'pending', activeStep: 1, previousObject: {}, object: {}, tags: [], results: [] })] });
    await get(`/organizations/${seed.org.id}/approvals/${loose}/runs/${loose}`).expect(200);
  });
});

describe('pages', () => {
  async function readAll(query: string): Promise<string[][]> {
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const res = await get(`${runsPath}?${query}${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`).expect(200);
      pages.push(res.body.results.map((r: { id: string }) => r.id));
      token = res.body.nextPageToken;
      if (token !== undefined) expect(token).toEqual(expect.any(String));
    } while (token !== undefined);
    return pages;
  }

  it('forwards: newest first, limit at a time, no nextPageToken on the last page', async () => {
    expect(await readAll('limit=2')).toEqual([
      [runs[4], runs[3]],
      [runs[2], runs[1]],
      [runs[0]],
    ]);
  });

  it('with reverse=true: oldest first', async () => {
    expect(await readAll('limit=2&reverse=true')).toEqual([
      [runs[0], runs[1]],
      [runs[2], runs[3]],
      [runs[4]],
    ]);
  });

  it('the default limit is 10; a run started between pages is neither repeated nor skipped past the cursor', async () => {
    const first = await get(runsPath).expect(200);
    expect(first.body.results).toHaveLength(5);
    expect(first.body).not.toHaveProperty('nextPageToken');
    const page = await get(`${runsPath}?limit=3&reverse=true`).expect(200);
    const later = (await server.http(seed.key).post('/api/v1/approvals').send({ title: 'Change 6', description: 'd', priority: 'low', flow_id: flowId }).expect(201)).body.id;
    const rest = await get(`${runsPath}?limit=3&reverse=true&pageToken=${encodeURIComponent(page.body.nextPageToken)}`).expect(200);
    expect(rest.body.results.map((r: { id: string }) => r.id)).toEqual([runs[3], runs[4], later]);
    runs.push(later);
  });
});

describe('a request made through another API, routed into the flow, decided in the dashboard', () => {
  it('reads back as a run with the reviewer, the result and the comment', async () => {
    await admin
      .http()
      .put('/api/v1/routing-rules')
      .send({ rules: [{ name: 'Qualification rules', match: { action_type: 'update' }, action: { flow_id: flowId } }] })
      .expect(200);
    const made = await server
      .http(seed.key)
      .post('/kaireon/api/v1/approvals')
      .send({ entityType: 'qualificationRule', entityId: 'qr_001', entityName: 'Credit Score Rule', action: 'update', payload: { config: { threshold: 650 } } })
      .expect(201);
    const id = made.body.id;
    const pending = await get(`${runsPath}/${id}`).expect(200);
    expect(pending.body).toMatchObject({ id, approvalFlowId: flowId, status: 'pending', activeStep: 1, results: [] });

    await approver.http().patch(`/api/v1/approvals/${id}`).send({ decision: 'approve', comment: 'Threshold is fine' }).expect(200);
    const res = await get(`${runsPath}/${id}`).expect(200);
    expect(res.body).toEqual(
      runShape({
        id,
        status: 'approved',
        activeStep: null,
        previousObject: {},
        object: {},
        tags: [],
        results: [{ reviewer: { type: 'user', id: approver.user.id }, result: 'approved', comment: 'Threshold is fine' }],
      }),
    );
    // The newest run of the flow, first on the first page.
    expect((await get(`${runsPath}?limit=1`).expect(200)).body.results[0].id).toBe(id);
  });
});
