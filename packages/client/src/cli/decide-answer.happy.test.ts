/**
 * `greenlight decide ID approve --answer … --edit …`: the answer's values read by the request's
 * schema (a number stays a number, a choice list splits), the edits' by the values they replace;
 * `greenlight get` shows what is asked and what may be edited, and once approved the answer and the
 * edits; `greenlight wait --json` answers them with the request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGreenlight, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../../../apps/server/src/testing/index.ts';
import { REFUND } from './answers.fixture.ts';

let server: TestServer;
let org: SeededOrg;
let reviewerKey: string;

beforeAll(async () => {
  server = await startTestServer();
  org = await seedOrg(server.db, 'CLI answers');
  reviewerKey = (await org.newKey({ name: 'reviewer' })).key;
}, 60_000);
afterAll(() => server.stop());


const ask = async (body: Record<string, unknown> = REFUND) => (await server.http(org.key).post('/api/v1/approvals').send(body).expect(201)).body as { id: string };
const cli = (args: string[], apiKey = reviewerKey) => runGreenlight(args, { url: server.url, apiKey }).exited;

describe('greenlight decide with an answer and edits', { timeout: 60_000 }, () => {
  it('get shows what is asked and what may be edited', async () => {
    const { id } = await ask();
    const shown = await cli(['get', id]);
    expect(shown, shown.stderr).toMatchObject({ code: 0 });
    expect(shown.stdout).toContain('asks      amount (Refund amount): number 0–500, required');
    expect(shown.stdout).toContain('region: one of eu, us, default "eu"');
    expect(shown.stdout).toContain('reasons: several of late, broken, other');
    expect(shown.stdout).toContain('editable  metadata.input.query');
  });

  it('--answer values are read by the schema, --edit values by what they replace; the request stores them and wait --json answers them', async () => {
    const { id } = await ask();
    const done = await cli([
      'decide', id, 'approve',
      '--answer', 'amount=120.5', '--answer', 'expedite=yes', '--answer', 'reasons=late,broken',
      '--edit', 'metadata.input.query=SELECT id FROM orders', '--edit', 'metadata.input.limit=5', '--edit', 'metadata.input.dry_run=false',
      '--json',
    ]);
    expect(done, done.stderr).toMatchObject({ code: 0 });
    const decided = JSON.parse(done.stdout);
    expect(decided).toMatchObject({ status: 'approved', response: { amount: 120.5, region: 'eu', expedite: true, reasons: ['late', 'broken'] } });
    expect(decided.edits).toEqual([
      { path: 'metadata.input.query', before: 'SELECT * FROM orders', after: 'SELECT id FROM orders' },
      { path: 'metadata.input.limit', before: 10, after: 5 },
      { path: 'metadata.input.dry_run', before: true, after: false },
    ]);

    const waited = await cli(['wait', id, '--json'], org.key);
    expect(waited.code).toBe(0);
    expect(JSON.parse(waited.stdout)).toMatchObject({
      outcome: 'approved',
      approval: {
        response: { amount: 120.5, region: 'eu', expedite: true },
        edits: [{ path: 'metadata.input.query' }, { path: 'metadata.input.limit' }, { path: 'metadata.input.dry_run' }],
        approved_content: { metadata: { order: 'A-1', input: { query: 'SELECT id FROM orders', limit: 5, dry_run: false } } },
      },
    });
    const read = await cli(['wait', id], org.key);
    expect(read.stdout).toContain('answer    amount = 120.5');
    expect(read.stdout).toContain('edited    metadata.input.query: "SELECT * FROM orders" → "SELECT id FROM orders"');
  });

  it('--answer-json gives the whole answer, --answer fields go over it', async () => {
    const { id } = await ask();
    const done = await cli(['decide', id, 'approve', '--answer-json', '{"amount": 50, "region": "us"}', '--answer', 'region=eu', '--json']);
    expect(done, done.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse(done.stdout)).toMatchObject({ status: 'approved', response: { amount: 50, region: 'eu' }, edits: [] });
  });

  it('request --response-schema --editable asks; run gives the command the answer and the metadata as approved', async () => {
    const key = `run-answer-${Date.now()}`;
    const schema = JSON.stringify({ type: 'object', properties: { replicas: { type: 'integer', minimum: 1, maximum: 10 } }, required: ['replicas'] });
    const print = 'console.log(process.env.GREENLIGHT_RESPONSE); console.log(process.env.GREENLIGHT_APPROVED_METADATA)';
    const running = runGreenlight(
      ['run', '--title', 'Scale the API', '--metadata', '{"service":"api","region":"eu"}', '--response-schema', schema, '--editable', 'metadata.region', '--idempotency-key', key, '--', process.execPath, '-e', print],
      { url: server.url, apiKey: org.key },
    ).exited;
    let id: string | undefined;
    for (let i = 0; i < 400 && !id; i++) {
      const { body } = await server.http(org.key).get(`/api/v1/approvals?idempotency_key=${key}`).expect(200);
      id = body.data[0]?.id;
      if (!id) await new Promise((r) => setTimeout(r, 50));
    }
    expect((await server.http(org.key).get(`/api/v1/approvals/${id}`).expect(200)).body).toMatchObject({ editable: ['metadata.region'], response_schema: { required: ['replicas'] } });
    const decided = await cli(['decide', id!, 'approve', '--answer', 'replicas=3', '--edit', 'metadata.region=us']);
    expect(decided, decided.stderr).toMatchObject({ code: 0 });
    const ran = await running;
    expect(ran, ran.stderr).toMatchObject({ code: 0 });
    expect(ran.stdout.trim().split('\n').map((line) => JSON.parse(line))).toEqual([{ replicas: 3 }, { service: 'api', region: 'us' }]);
  });
});
