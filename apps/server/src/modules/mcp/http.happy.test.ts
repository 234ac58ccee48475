import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { memberWithPassword } from '../../testing/oauth.ts';
import { freePort } from '../../testing/spawn-server.ts';
import { connectMcpOverHttp, type MemoryOAuthProvider } from '../../testing/mcp.ts';

let server: TestServer;
let seed: SeededOrg;
let member: { id: string; email: string; password: string };
let client: Client;
let provider: MemoryOAuthProvider;
let redirectedTo: URL;

beforeAll(async () => {
  // The protected-resource metadata names the public URL, which the SDK checks against the URL it connects to.
  const port = await freePort();
  server = await startTestServer({ config: { PORT: String(port), GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8' } });
  seed = await seedOrg(server.db);
  member = await memberWithPassword(server, seed, 'approver');
  ({ client, provider, redirectedTo } = await connectMcpOverHttp(server, member));
});

afterAll(async () => {
  await client?.close();
  await server?.stop();
});

describe('/mcp over Streamable HTTP, connected by an MCP client never configured for Greenlight', () => {
  it('registered itself (a public client), consented as the member, and holds a token bound to the MCP resource', async () => {
    expect(provider.client).toMatchObject({ client_id: expect.stringMatching(/^glc_/), token_endpoint_auth_method: 'none' });
    expect(provider.client).not.toHaveProperty('client_secret');
    expect(redirectedTo.origin + redirectedTo.pathname).toBe(provider.redirect);
    expect(redirectedTo.searchParams.get('iss')).toBe(server.url);
    expect(provider.stored).toMatchObject({ token_type: expect.stringMatching(/^bearer$/i), refresh_token: expect.stringMatching(/^glrt_/) });
    expect(provider.stored!.scope!.split(' ').sort()).toEqual(['approvals:read', 'approvals:write']);

    const { rows } = await server.db.query<{ resource: string; registration: string; org_id: string | null; user_id: string }>(
      `SELECT DISTINCT t.resource, oc.registration, oc.org_id, c.user_id
         FROM oauth_tokens t JOIN oauth_clients oc ON oc.id = t.client_id JOIN connections c ON c.id = t.connection_id
        WHERE oc.client_id = $1`,
      [provider.client!.client_id],
    );
    expect(rows).toEqual([{ resource: `${server.url}/mcp`, registration: 'dynamic', org_id: null, user_id: member.id }]);

    // The grant is recorded in the member's org, where its admins see which application got in.
    const audit = await server.db.query<{ type: string; actor_id: string; details: { client_id: string; resource: string } }>(
      `SELECT type, actor_id, details FROM audit_log WHERE org_id = $1 AND type = 'oauth_client.authorized'`,
      [seed.org.id],
    );
    expect(audit.rows).toEqual([{ type: 'oauth_client.authorized', actor_id: member.id, details: expect.objectContaining({ client_id: provider.client!.client_id, resource: `${server.url}/mcp` }) }]);
  });

  it('lists the tools', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['cancel_approval', 'decide_approval', 'get_approval', 'list_pending', 'report_execution', 'request_approval', 'wait_for_decision']);
  });

  it('requests an approval as the member; an approver decides through the API; the wait tool returns the decision', async () => {
    const created = await client.callTool({
      name: 'request_approval',
      arguments: { title: 'Send the invoice run', description: '412 invoices, 38,000 EUR', priority: 'critical', idempotency_key: 'call_http_1' },
    });
    expect(created.isError, JSON.stringify(created.content)).toBeFalsy();
    const { approval } = created.structuredContent as { approval: { id: string; status: string; requested_by: { type: string; id: string } } };
    expect(approval).toMatchObject({ status: 'pending', requested_by: { type: 'user', id: member.id } });

    // The same call again (a retried agent step) answers the same request.
    const again = await client.callTool({
      name: 'request_approval',
      arguments: { title: 'Send the invoice run', description: '412 invoices, 38,000 EUR', priority: 'critical', idempotency_key: 'call_http_1' },
    });
    expect((again.structuredContent as { approval: { id: string } }).approval.id).toBe(approval.id);

    const approver = await seed.newKey();
    let decided: Promise<unknown> | undefined;
    const result = await client.request(
      { method: 'tools/call', params: { name: 'wait_for_decision', arguments: { id: approval.id, timeout_seconds: 120 } } },
      CallToolResultSchema,
      {
        // Decided once the wait says it is waiting, so the answer can only have come through the wait.
        onprogress: () => {
          decided ??= server
            .http(approver.key)
            .patch(`/api/v1/approvals/${approval.id}`)
            .send({ decision: 'approve', comment: 'Go ahead' })
            .then((r) => expect(r.status, r.text).toBe(200));
        },
        resetTimeoutOnProgress: true,
      },
    );
    await decided;
    expect(decided).toBeDefined();
    expect(result.structuredContent).toMatchObject({ outcome: 'approved', approval: { id: approval.id, status: 'approved', decision_comment: 'Go ahead' } });

    const got = await client.callTool({ name: 'get_approval', arguments: { id: approval.id } });
    expect(got.structuredContent).toMatchObject({ approval: { status: 'approved' } });
  });

  it('a request someone else made with a callback: every tool shows that a callback is set, never where it goes', async () => {
    const callback = 'http://127.0.0.1:9/webhook-waiting/31/node?signature=capability';
    const { id } = (await server.http(seed.key).post('/api/v1/approvals').send({ title: 'Resize the cluster', description: 'x', priority: 'low', callback_url: callback }).expect(201)).body as { id: string };
    const answers = await Promise.all([
      client.callTool({ name: 'get_approval', arguments: { id } }),
      client.callTool({ name: 'list_pending', arguments: { page_size: 100 } }),
      client.callTool({ name: 'wait_for_decision', arguments: { id, timeout_seconds: 1 } }),
    ]);
    expect(answers[0]!.structuredContent).toMatchObject({ approval: { id, callback_url: null, has_callback: true } });
    expect((answers[1]!.structuredContent as { data: { id: string }[] }).data.find((a) => a.id === id)).toMatchObject({ callback_url: null, has_callback: true });
    expect(answers[2]!.structuredContent).toMatchObject({ outcome: 'timed_out', approval: { id, callback_url: null } });
    expect(JSON.stringify(answers)).not.toContain('webhook-waiting');
    // The key that made it reads it back.
    expect((await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body).toMatchObject({ callback_url: callback });
  });

  it('cancels and lists what is pending, as the member', async () => {
    const created = await client.callTool({ name: 'request_approval', arguments: { title: 'Scale down', description: 'Night mode', priority: 'low' } });
    const id = (created.structuredContent as { approval: { id: string } }).approval.id;
    const pending = await client.callTool({ name: 'list_pending', arguments: { page_size: 100 } });
    expect((pending.structuredContent as { data: { id: string }[] }).data.map((a) => a.id)).toContain(id);
    const cancelled = await client.callTool({ name: 'cancel_approval', arguments: { id } });
    expect(cancelled.structuredContent).toMatchObject({ approval: { id, status: 'cancelled' } });
  });
});
