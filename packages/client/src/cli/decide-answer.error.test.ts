/**
 * An answer or edits the server refuses: `greenlight decide` exits 4 naming each field and why (on
 * stderr, and in `--json`'s error details), and the request stays pending. Flags that cannot go with
 * the decision are refused before anything is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGreenlight, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../../../apps/server/src/testing/index.ts';
import { REFUND } from './answers.fixture.ts';

let server: TestServer;
let org: SeededOrg;
let reviewerKey: string;

beforeAll(async () => {
  server = await startTestServer();
  org = await seedOrg(server.db, 'CLI answers refused');
  reviewerKey = (await org.newKey({ name: 'reviewer' })).key;
}, 60_000);
afterAll(() => server.stop());

const ask = async (body: Record<string, unknown> = REFUND) => (await server.http(org.key).post('/api/v1/approvals').send(body).expect(201)).body as { id: string };
const cli = (args: string[]) => runGreenlight(args, { url: server.url, apiKey: reviewerKey }).exited;
const statusOf = async (id: string) => (await server.http(org.key).get(`/api/v1/approvals/${id}`).expect(200)).body.status as string;

describe('greenlight decide with an answer the server refuses', { timeout: 60_000 }, () => {
  it('an amount above the maximum and a value of the wrong type: exit 4, each field named, nothing decided', async () => {
    const { id } = await ask();
    const done = await cli(['decide', id, 'approve', '--answer', 'amount=900', '--edit', 'metadata.input.limit=many', '--json']);
    expect(done.code).toBe(4);
    expect(done.stderr).toContain('response.amount');
    expect(done.stderr).toContain('edits.metadata.input.limit: must stay a number');
    const error = JSON.parse(done.stdout).error;
    expect(error).toMatchObject({ status: 400, details: { reason: 'invalid_answer' } });
    expect(error.details.issues.map((i: { path: string }) => i.path)).toEqual(['response.amount', 'edits.metadata.input.limit']);
    expect(await statusOf(id)).toBe('pending');
  });

  it('an approve without the required answer: exit 4 naming the field', async () => {
    const { id } = await ask();
    const done = await cli(['decide', id, 'approve']);
    expect(done.code).toBe(4);
    expect(done.stderr).toContain('response.amount is required');
    expect(await statusOf(id)).toBe('pending');
  });

  it('an edit of a field that is not editable, an unknown field: named', async () => {
    const { id } = await ask();
    const done = await cli(['decide', id, 'approve', '--answer', 'amount=10', '--answer', 'colour=red', '--edit', 'metadata.order=B-2']);
    expect(done.code).toBe(4);
    expect(done.stderr).toContain('response.colour: is not asked for by this request');
    expect(done.stderr).toContain('edits.metadata.order: is not editable on this request');
    expect(await statusOf(id)).toBe('pending');
  });

  it.each([
    [['reject', '--answer', 'amount=1'], 'error: an answer and edits are given only with "approve"'],
    [['approve', '--answer', 'amount'], 'error: --answer is NAME=VALUE, not "amount"'],
    [['approve', '--answer-json', '[1]'], 'error: --answer-json is a JSON object'],
    [['approve', '--edit-json', '{nope'], 'error: --edit-json is not JSON'],
  ])('%j: refused before anything is sent (exit 4)', async (flags, message) => {
    const { id } = await ask();
    const done = await cli(['decide', id, ...flags]);
    expect(done.code).toBe(4);
    expect(done.stderr).toContain(message);
    expect(await statusOf(id)).toBe('pending');
  });
});
