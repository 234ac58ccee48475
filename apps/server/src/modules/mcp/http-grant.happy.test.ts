/**
 * A standing grant given from an MCP client over HTTP (a person's OAuth grant): `decide_approval` with
 * `grant` approves and gives it, and it approves the connection's next matching request; where
 * `viewer_can.grant` refuses, the tool says why and nothing is decided; a grant outside the contract's
 * bounds is refused by the tool's own schema before any call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { memberWithPassword } from '../../testing/oauth.ts';
import { freePort } from '../../testing/spawn-server.ts';
import { connectMcpOverHttp } from '../../testing/mcp.ts';

let server: TestServer;
let seed: SeededOrg;
let member: { id: string; email: string; password: string };
let client: Client;

beforeAll(async () => {
  const port = await freePort();
  server = await startTestServer({ config: { PORT: String(port) } });
  seed = await seedOrg(server.db);
  member = await memberWithPassword(server, seed, 'approver');
  ({ client } = await connectMcpOverHttp(server, member));
}, 60_000);

afterAll(async () => {
  await client?.close();
  await server?.stop();
});

const ask = async (overrides: Record<string, unknown>) =>
  (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'deploy.staging', priority: 'medium', ...overrides })).expect(201)).body;
const grantsOn = async (id: string) => (await server.db.query<{ given_by: string; max_uses: number | null }>('SELECT given_by, max_uses FROM grants WHERE given_on = $1', [id])).rows;
const text = (r: object) => ((r as { content?: { text: string }[] }).content ?? []).map((c) => c.text).join('\n');

describe('decide_approval with a grant, over HTTP as a person', () => {
  it('get_approval shows viewer_can.grant; the approval gives the grant, which approves the next matching request', async () => {
    const a = await ask({});
    const got = await client.callTool({ name: 'get_approval', arguments: { id: a.id } });
    expect((got.structuredContent as { approval: { viewer_can: { grant: unknown } } }).approval.viewer_can.grant).toEqual({ allowed: true });
    expect(text(got)).toContain('give a standing grant with the approval');

    const res = await client.callTool({ name: 'decide_approval', arguments: { id: a.id, decision: 'approve', grant: { expires_in_seconds: 3600, max_uses: 2 } } });
    expect(res.isError, text(res)).toBeFalsy();
    expect(res.structuredContent).toMatchObject({ approval: { id: a.id, status: 'approved', decided_by: member.id } });
    expect(await grantsOn(a.id)).toEqual([{ given_by: member.id, max_uses: 2 }]);
    expect(await ask({})).toMatchObject({ status: 'approved', decided_by_type: 'grant', decided_by_grant: { given_by: { id: member.id }, use: 1, max_uses: 2 } });
  });

  it('where viewer_can.grant refuses: a tool error with the reason, nothing decided, nothing given', async () => {
    const a = await ask({ priority: 'critical' });
    const res = await client.callTool({ name: 'decide_approval', arguments: { id: a.id, decision: 'approve', grant: {} } });
    expect(res.isError).toBe(true);
    expect(text(res)).toContain('VALIDATION_ERROR (HTTP 400)');
    expect(text(res)).toContain('never goes without a person');
    expect(await grantsOn(a.id)).toEqual([]);
    expect((await server.http(seed.key).get(`/api/v1/approvals/${a.id}`).expect(200)).body.status).toBe('pending');
  });

  it.each([
    ['of no use', { decision: 'approve', grant: { max_uses: 0 } }],
    ['with a rejection', { decision: 'reject', grant: {} }],
    ['with a field that is not one', { decision: 'approve', grant: { fields: { callback_url: 'x' } } }],
  ])('a grant %s: refused by the tool’s schema, nothing decided', async (_name, args) => {
    // An action type no grant of this file covers.
    const a = await ask({ action_type: 'schema.check' });
    const res = await client.callTool({ name: 'decide_approval', arguments: { id: a.id, ...args } });
    expect(res.isError).toBe(true);
    expect(await grantsOn(a.id)).toEqual([]);
    expect((await server.http(seed.key).get(`/api/v1/approvals/${a.id}`).expect(200)).body.status).toBe('pending');
  });
});
