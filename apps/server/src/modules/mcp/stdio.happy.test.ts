import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';

/** The package's bin, as an MCP client configured with `"command": "greenlight-mcp"` starts it. */
const BIN = fileURLToPath(new URL('../../../../../packages/mcp/bin/greenlight-mcp.mjs', import.meta.url));

let server: TestServer;
let seed: SeededOrg;
let client: Client;

beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
  client = new Client({ name: 'stdio-test', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [BIN],
      env: { PATH: process.env.PATH ?? '', GREENLIGHT_URL: server.url, GREENLIGHT_API_KEY: seed.key },
      stderr: 'pipe',
    }),
  );
});

afterAll(async () => {
  await client?.close();
  await server?.stop();
});

describe('greenlight-mcp over stdio', () => {
  it('lists the five tools with JSON Schemas from the contract and annotations that say what each does', async () => {
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(Object.keys(byName).sort()).toEqual(['cancel_approval', 'get_approval', 'list_pending', 'request_approval', 'wait_for_decision']);

    const request = byName.request_approval!;
    expect(request.inputSchema.required).toEqual(expect.arrayContaining(['title', 'description', 'priority']));
    expect(request.inputSchema.properties).toMatchObject({ priority: { enum: ['low', 'medium', 'high', 'critical'] } });
    // Greenlight's own spelling only: the peer APIs' alternate names are not offered to agents.
    expect(Object.keys(request.inputSchema.properties ?? {})).not.toContain('payload');
    expect(request.outputSchema?.properties).toHaveProperty('approval');
    expect(request.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false });

    for (const name of ['wait_for_decision', 'get_approval', 'list_pending']) expect(byName[name]!.annotations?.readOnlyHint).toBe(true);
    expect(byName.cancel_approval!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true, idempotentHint: true });
    expect(byName.wait_for_decision!.inputSchema.properties).toMatchObject({ timeout_seconds: { maximum: 600 } });
  });

  it('requests an approval, reports progress while waiting, and returns the decision an approver makes through the API', async () => {
    const created = await client.callTool({
      name: 'request_approval',
      arguments: { title: 'Drop table invoices_2019', description: 'Cleanup of an archived table', priority: 'high', idempotency_key: 'call_stdio_1' },
    });
    expect(created.isError).toBeFalsy();
    const { approval, wait } = created.structuredContent as { approval: { id: string; status: string; source: string }; wait: { tool: string; arguments: { id: string } } };
    expect(approval).toMatchObject({ status: 'pending', source: 'mcp' });
    expect(wait).toMatchObject({ tool: 'wait_for_decision', arguments: { id: approval.id } });

    const pending = await client.callTool({ name: 'list_pending', arguments: {} });
    expect((pending.structuredContent as { data: { id: string }[] }).data.map((a) => a.id)).toContain(approval.id);

    // The approver decides once the wait has reported that it is waiting: the decision cannot have
    // come before the wait began.
    const approver = await seed.newKey();
    let decided: Promise<unknown> | undefined;
    const progress: number[] = [];
    const result = await client.request(
      { method: 'tools/call', params: { name: 'wait_for_decision', arguments: { id: approval.id, timeout_seconds: 120 } } },
      CallToolResultSchema,
      {
        onprogress: (p) => {
          progress.push(p.progress);
          decided ??= server
            .http(approver.key)
            .patch(`/api/v1/approvals/${approval.id}`)
            .send({ decision: 'reject', comment: 'Keep it for the audit' })
            .then((r) => expect(r.status, r.text).toBe(200));
        },
        resetTimeoutOnProgress: true,
      },
    );
    await decided;
    expect(progress.length).toBeGreaterThan(0);
    expect(result.structuredContent).toMatchObject({ outcome: 'rejected', approval: { id: approval.id, status: 'rejected', decision_comment: 'Keep it for the audit' } });

    const got = await client.callTool({ name: 'get_approval', arguments: { id: approval.id } });
    expect(got.structuredContent).toMatchObject({ approval: { id: approval.id, status: 'rejected' } });
  });

  it('a wait whose time runs out answers timed_out with the request still pending', async () => {
    const created = await client.callTool({ name: 'request_approval', arguments: { title: 'Purge cache', description: 'CDN', priority: 'medium' } });
    const id = (created.structuredContent as { approval: { id: string } }).approval.id;
    const waited = await client.callTool({ name: 'wait_for_decision', arguments: { id, timeout_seconds: 1 } });
    expect(waited.isError).toBeFalsy();
    expect(waited.structuredContent).toMatchObject({ outcome: 'timed_out', approval: { id, status: 'pending', timed_out: true } });
  });

  it('cancels a request it made; API errors come back as tool errors, not protocol errors', async () => {
    const created = await client.callTool({ name: 'request_approval', arguments: { title: 'Rotate keys', description: 'Quarterly rotation', priority: 'low' } });
    const id = (created.structuredContent as { approval: { id: string } }).approval.id;
    const cancelled = await client.callTool({ name: 'cancel_approval', arguments: { id } });
    expect(cancelled.structuredContent).toMatchObject({ approval: { id, status: 'cancelled' } });

    const again = await client.callTool({ name: 'cancel_approval', arguments: { id } });
    expect(again.isError).toBe(true);
    expect((again.content as { text: string }[])[0]!.text).toMatch(/HTTP 409/);

    const unknown = await client.callTool({ name: 'get_approval', arguments: { id: '00000000-0000-4000-8000-000000000000' } });
    expect(unknown.isError).toBe(true);
    expect((unknown.content as { text: string }[])[0]!.text).toMatch(/NOT_FOUND \(HTTP 404\)/);

    // Arguments outside the contract's schema never reach the API.
    const bad = await client.callTool({ name: 'request_approval', arguments: { title: 'x', description: 'y', priority: 'urgent' } });
    expect(bad.isError).toBe(true);
    expect((bad.content as { text: string }[])[0]!.text).toMatch(/priority/);
  });
});
