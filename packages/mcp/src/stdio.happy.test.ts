import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { seedOrg, startMisroutingProxy, startTestServer, usePolicies, type SeededOrg, type TestServer } from '../../../apps/server/src/testing/index.ts';

/** The package's bin, as an MCP client configured with `"command": "greenlight-mcp"` starts it. */
const BIN = fileURLToPath(new URL('../bin/greenlight-mcp.mjs', import.meta.url));

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
  it('lists the seven tools with JSON Schemas from the contract and annotations that say what each does', async () => {
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(Object.keys(byName).sort()).toEqual(['cancel_approval', 'decide_approval', 'get_approval', 'list_pending', 'report_execution', 'request_approval', 'wait_for_decision']);

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
    // The receipt's schema is the contract's: its statuses, and a url that must be http(s).
    const report = byName.report_execution!;
    expect(report.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false });
    expect(report.inputSchema.required).toEqual(expect.arrayContaining(['id', 'status']));
    expect(report.inputSchema.properties).toMatchObject({ status: { enum: ['started', 'succeeded', 'failed'] }, message: { type: 'string' }, url: { type: 'string' } });
    expect(report.outputSchema?.properties).toHaveProperty('approval');
    // The grant a decision may give is the contract's GiveGrant: its bounds, as the server checks them.
    const decide = byName.decide_approval!;
    expect(decide.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(decide.inputSchema.required).toEqual(expect.arrayContaining(['id', 'decision']));
    expect(decide.inputSchema.properties).toMatchObject({
      decision: { enum: ['approve', 'reject'] },
      grant: { properties: { expires_in_seconds: { minimum: 60, maximum: 30 * 86_400 }, max_uses: { minimum: 1, maximum: 10_000 }, agent_session: { type: 'boolean' } } },
    });
  });

  it('an answer about another request (a gateway that mixes answers up) is a tool error, never its outcome', async () => {
    const other = (await server.http(seed.key).post('/api/v1/approvals').send({ title: 'Another', description: 'x', priority: 'low' }).expect(201)).body.id as string;
    const approver = (await seed.newKey({ name: 'approver' })).key;
    await server.http(approver).patch(`/api/v1/approvals/${other}`).send({ decision: 'approve' }).expect(200);
    const mine = (await server.http(seed.key).post('/api/v1/approvals').send({ title: 'Mine', description: 'x', priority: 'low' }).expect(201)).body.id as string;
    const proxy = await startMisroutingProxy(server.url, (path) => path.replace(mine, other));
    const misled = new Client({ name: 'stdio-test-misrouted', version: '1.0.0' });
    try {
      await misled.connect(
        new StdioClientTransport({ command: process.execPath, args: [BIN], env: { PATH: process.env.PATH ?? '', GREENLIGHT_URL: proxy.url, GREENLIGHT_API_KEY: seed.key }, stderr: 'pipe' }),
      );
      for (const [name, args] of [['wait_for_decision', { id: mine, timeout_seconds: 5 }], ['get_approval', { id: mine }]] as const) {
        const result = await misled.callTool({ name, arguments: args }, CallToolResultSchema);
        expect(result.isError, name).toBe(true);
        expect(JSON.stringify(result.content), name).toContain(`about request ${other}, not ${mine}`);
        expect(result.structuredContent, name).toBeUndefined();
      }
    } finally {
      await misled.close();
      await proxy.close();
    }
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
    // What this caller may do is in the result, and said in words for clients that read only text.
    expect(got.structuredContent).toMatchObject({ approval: { viewer_can: { decide: { allowed: false, reason: 'Already rejected' }, comment: { allowed: true } } } });
    expect((got.content as { text: string }[])[0]!.text).toMatch(/This caller may: comment\. It cannot decide it: Already rejected\./);
  });

  it('a wait whose time runs out answers timed_out with the request still pending', async () => {
    const created = await client.callTool({ name: 'request_approval', arguments: { title: 'Purge cache', description: 'CDN', priority: 'medium' } });
    const id = (created.structuredContent as { approval: { id: string } }).approval.id;
    const waited = await client.callTool({ name: 'wait_for_decision', arguments: { id, timeout_seconds: 1 } });
    expect(waited.isError).toBeFalsy();
    expect(waited.structuredContent).toMatchObject({ outcome: 'timed_out', approval: { id, status: 'pending', timed_out: true } });
  });

  it('report_execution: the receipts of an approved request, started then succeeded; refused (a tool error) before the approval and once final', async () => {
    const created = await client.callTool({ name: 'request_approval', arguments: { title: 'Migrate the orders table', description: 'Adds a column', priority: 'high' } });
    const id = (created.structuredContent as { approval: { id: string } }).approval.id;
    const early = await client.callTool({ name: 'report_execution', arguments: { id, status: 'started' } });
    expect(early.isError).toBe(true);
    expect((early.content as { text: string }[])[0]!.text).toMatch(/INVALID_STATUS \(HTTP 409\).*only for an approved request/);

    const approver = await seed.newKey();
    await server.http(approver.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
    const started = await client.callTool({ name: 'report_execution', arguments: { id, status: 'started', message: 'Running the migration' } });
    expect(started.isError, JSON.stringify(started.content)).toBeFalsy();
    expect(started.structuredContent).toMatchObject({ approval: { id, status: 'approved', execution: { status: 'started', message: 'Running the migration', url: null } } });
    const done = await client.callTool({
      name: 'report_execution',
      arguments: { id, status: 'succeeded', message: 'Migrated 1,204 rows', url: 'https://ci.example.com/runs/77' },
    });
    expect(done.structuredContent).toMatchObject({ approval: { execution: { status: 'succeeded', message: 'Migrated 1,204 rows', url: 'https://ci.example.com/runs/77' } } });
    // What the API shows, and its audit trail: one event per receipt.
    const shown = await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200);
    expect(shown.body.execution).toMatchObject({ status: 'succeeded', url: 'https://ci.example.com/runs/77' });
    const events = await server.http(seed.key).get(`/api/v1/approvals/${id}/events`).expect(200);
    const receipts = (events.body.data as { type: string; data: { status: string } }[]).filter((e) => e.type === 'approval.execution_reported');
    expect(receipts.map((e) => e.data.status)).toEqual(['started', 'succeeded']);

    const final = await client.callTool({ name: 'report_execution', arguments: { id, status: 'failed' } });
    expect(final.isError).toBe(true);
    expect((final.content as { text: string }[])[0]!.text).toMatch(/HTTP 409/);
    // Arguments outside the contract's schema (a url that is not http(s)) never reach the API.
    const bad = await client.callTool({ name: 'report_execution', arguments: { id, status: 'succeeded', url: 'javascript:alert(1)' } });
    expect(bad.isError).toBe(true);
    expect((bad.content as { text: string }[])[0]!.text).toMatch(/url/);
  });

  it('a revocable approval: the wait says to claim it with started first; revoked before that, report_execution refuses and the wait answers rejected', async () => {
    const created = await client.callTool({
      name: 'request_approval',
      arguments: { title: 'Wire the refund', description: 'EUR 4,000 to ACME', priority: 'critical', revocable_for_seconds: 300 },
    });
    const id = (created.structuredContent as { approval: { id: string } }).approval.id;
    const approver = await seed.newKey();
    await server.http(approver.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
    const approved = await client.callTool({ name: 'wait_for_decision', arguments: { id, timeout_seconds: 5 } });
    expect(approved.structuredContent).toMatchObject({ outcome: 'approved', approval: { id, revocable_until: expect.any(String) } });
    expect((approved.content as { text: string }[])[0]!.text).toMatch(/may be revoked until \S+: call report_execution with status started before acting/);

    await server.http(approver.key).post(`/api/v1/approvals/${id}/revoke`).send({ reason: 'Wrong IBAN' }).expect(200);
    const claim = await client.callTool({ name: 'report_execution', arguments: { id, status: 'started' } });
    expect(claim.isError).toBe(true);
    expect((claim.content as { text: string }[])[0]!.text).toMatch(/INVALID_STATUS \(HTTP 409\): the approval was revoked: do not act on it.*"reason":"revoked"/);
    const after = await client.callTool({ name: 'wait_for_decision', arguments: { id, timeout_seconds: 5 } });
    expect(after.structuredContent).toMatchObject({ outcome: 'rejected', approval: { id, status: 'rejected', revocation_reason: 'Wrong IBAN' } });
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

describe('a request one of the team’s policies decides as it is made', () => {
  it('request_approval answers the outcome and who decided, and wait_for_decision returns it at once', async () => {
    await usePolicies(server, seed);

    const allowed = await client.callTool({ name: 'request_approval', arguments: { title: 'Read logs', description: 'x', priority: 'low', action_type: 'read.logs' } });
    expect(allowed.isError).toBeFalsy();
    expect(allowed.structuredContent).toMatchObject({ outcome: 'approved', approval: { status: 'approved', decided_by_type: 'policy', decided_by_policy: { id: 'reads-are-safe' } } });
    const id = (allowed.structuredContent as { approval: { id: string } }).approval.id;
    expect((allowed.content as { text: string }[])[0]!.text).toContain(`Approval request ${id} is approved by policy reads-are-safe. Decided as it was made`);
    const waited = await client.callTool({ name: 'wait_for_decision', arguments: { id, timeout_seconds: 5 } });
    expect(waited.structuredContent).toMatchObject({ outcome: 'approved', approval: { id, decided_by_type: 'policy' } });

    const denied = await client.callTool({ name: 'request_approval', arguments: { title: 'Drop the table', description: 'x', priority: 'low', action_type: 'db.drop' } });
    expect(denied.structuredContent).toMatchObject({ outcome: 'rejected', approval: { status: 'rejected', decision_comment: 'dropping needs a person' } });
    expect((denied.content as { text: string }[])[0]!.text).toContain('is rejected by policy no-drops');

    const asked = await client.callTool({ name: 'request_approval', arguments: { title: 'Deploy', description: 'x', priority: 'low', action_type: 'deploy' } });
    expect(asked.structuredContent).toMatchObject({ outcome: null, approval: { status: 'pending' } });
  });
});
