import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, CreateTaskResultSchema, TaskStatusNotificationSchema, type Task } from '@modelcontextprotocol/sdk/types.js';
import { seedOrg, signedIn, startTestServer, usePolicies, type SeededOrg, type TestServer } from '../../testing/index.ts';
import { expireDue } from '../../core/approvals/index.ts';
import { memberWithPassword } from '../../testing/oauth.ts';
import { freePort } from '../../testing/spawn-server.ts';
import { connectMcpOverHttp, mcpUrl, type MemoryOAuthProvider } from '../../testing/mcp.ts';

let server: TestServer;
let seed: SeededOrg;
let member: { id: string; email: string; password: string };
let client: Client;
let provider: MemoryOAuthProvider;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `n` more waiters than `before` are registered on the decision bus: a long poll is really waiting. */
async function waitersAbove(before: number, n = 1) {
  for (let i = 0; i < 500 && server.deps.bus.size < before + n; i++) await sleep(10);
  expect(server.deps.bus.size).toBeGreaterThanOrEqual(before + n);
}

/** The same MCP client application again: a new transport and a new connection, its stored token reused. */
async function reconnect(): Promise<Client> {
  const again = new Client({ name: 'http-test', version: '1.0.0' });
  await again.connect(new StreamableHTTPClientTransport(mcpUrl(server), { authProvider: provider }));
  return again;
}

/** `tools/call` augmented with `task`, as a client supporting tasks sends it. */
async function requestAsTask(c: Client, args: Record<string, unknown>) {
  const { task } = await c.request({ method: 'tools/call', params: { name: 'request_approval', arguments: args, task: { ttl: 60_000 } } }, CreateTaskResultSchema);
  return task;
}

beforeAll(async () => {
  const port = await freePort();
  server = await startTestServer({ config: { PORT: String(port) } });
  seed = await seedOrg(server.db);
  member = await memberWithPassword(server, seed, 'approver');
  ({ client, provider } = await connectMcpOverHttp(server, member));
});

afterAll(async () => {
  await client?.close();
  await server?.stop();
});

describe('request_approval as an MCP task (the SDK client over Streamable HTTP)', () => {
  it('declares task support: the server may run tools/call as a task, and request_approval may be one', async () => {
    expect(client.getServerCapabilities()?.tasks).toEqual({ cancel: {}, requests: { tools: { call: {} } } });
    const { tools } = await client.listTools();
    expect(tools.find((t) => t.name === 'request_approval')?.execution).toEqual({ taskSupport: 'optional' });
    expect(tools.find((t) => t.name === 'wait_for_decision')?.execution).toEqual({ taskSupport: 'forbidden' });
  });

  it('creates the task, polls it, survives a reconnect, and tasks/result answers the decision a person made through the API', async () => {
    const task = await requestAsTask(client, { title: 'Rotate the signing key', description: 'prod', priority: 'high' });
    expect(task).toMatchObject({ taskId: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'working', statusMessage: 'Waiting for a decision', ttl: null, pollInterval: 30_000 });
    // The task is the request: same id, pending, made by the member through this grant.
    const made = (await server.http(seed.key).get(`/api/v1/approvals/${task.taskId}`).expect(200)).body;
    expect(made).toMatchObject({ status: 'pending', title: 'Rotate the signing key', source: 'mcp', requested_by: { type: 'user', id: member.id } });

    expect(await client.experimental.tasks.getTask(task.taskId)).toMatchObject({ taskId: task.taskId, status: 'working' });

    // The client goes away; nothing of the task lived in its connection.
    await client.close();
    client = await reconnect();
    expect(await client.experimental.tasks.getTask(task.taskId)).toMatchObject({ taskId: task.taskId, status: 'working', createdAt: made.created_at });

    const approver = await seed.newKey();
    await server.http(approver.key).patch(`/api/v1/approvals/${task.taskId}`).send({ decision: 'approve', comment: 'Rotate it tonight' }).expect(200);

    expect(await client.experimental.tasks.getTask(task.taskId)).toMatchObject({ status: 'completed', statusMessage: 'approved: Rotate it tonight' });
    const result = await client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ outcome: 'approved', approval: { id: task.taskId, status: 'approved', decision_comment: 'Rotate it tonight', decided_by: approver.connectionId } });
    expect(result._meta).toMatchObject({ 'io.modelcontextprotocol/related-task': { taskId: task.taskId } });
    expect((result.content[0] as { text: string }).text).toContain(`Approval request ${task.taskId} is approved (Rotate it tonight).`);
  });

  it('while pending the task says whom the request waits for, in the server\'s words', async () => {
    const task = await requestAsTask(client, { title: 'Restart the queue', description: 'x', priority: 'low' });
    expect(task.statusMessage).toBe('Waiting for a decision');
    const admin = await signedIn(server, seed);
    const oncall = (await admin.http().post('/api/v1/teams').send({ name: 'Oncall', member_ids: [seed.admin.id] }).expect(201)).body.id as string;
    await admin.http().post(`/api/v1/approvals/${task.taskId}/steps`).send({ steps: [{ team_id: oncall, step_order: 1 }] }).expect(201);
    expect(await client.experimental.tasks.getTask(task.taskId)).toMatchObject({ status: 'working', statusMessage: 'Waiting for team Oncall' });
  });

  it('tasks/result held open is woken by the decision and says the new status on its stream first', async () => {
    const task = await requestAsTask(client, { title: 'Scale the workers', description: 'x', priority: 'low' });
    const statuses: Task[] = [];
    client.setNotificationHandler(TaskStatusNotificationSchema, (n) => void statuses.push(n.params));

    const before = server.deps.bus.size;
    const holding = client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    await waitersAbove(before);
    await server.http((await seed.newKey()).key).patch(`/api/v1/approvals/${task.taskId}`).send({ decision: 'reject', comment: 'Not today' }).expect(200);

    const result = await holding;
    expect(result.structuredContent).toMatchObject({ outcome: 'rejected', approval: { id: task.taskId, status: 'rejected', decision_comment: 'Not today' } });
    expect(statuses).toEqual([expect.objectContaining({ taskId: task.taskId, status: 'completed', statusMessage: 'rejected: Not today' })]);
  });

  it('tasks/cancel withdraws the request', async () => {
    const task = await requestAsTask(client, { title: 'Purge the CDN', description: 'x', priority: 'low' });
    const cancelled = await client.experimental.tasks.cancelTask(task.taskId);
    expect(cancelled).toMatchObject({ taskId: task.taskId, status: 'cancelled' });
    expect((await server.http(seed.key).get(`/api/v1/approvals/${task.taskId}`).expect(200)).body).toMatchObject({ status: 'cancelled' });
    const result = await client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    expect(result.structuredContent).toMatchObject({ outcome: 'cancelled', approval: { status: 'cancelled' } });
    // A finished task is not cancelled again.
    await expect(client.experimental.tasks.cancelTask(task.taskId)).rejects.toThrow(/terminal status: cancelled/);
  });

  it('an expired request is a failed task', async () => {
    const task = await requestAsTask(client, { title: 'Send the newsletter', description: 'x', priority: 'low' });
    await server.db.query(`UPDATE approvals SET expires_at = now() - interval '1 second' WHERE id = $1`, [task.taskId]);
    expect(await expireDue(server.db)).toBeGreaterThanOrEqual(1);
    expect(await client.experimental.tasks.getTask(task.taskId)).toMatchObject({ status: 'failed', statusMessage: 'The request expired with nobody deciding' });
    const result = await client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ outcome: 'expired', approval: { status: 'expired' } });
  });

  it('a client that does not ask for a task gets the answer it always got, at once', async () => {
    const answer = await client.callTool({ name: 'request_approval', arguments: { title: 'Open the firewall', description: 'x', priority: 'low' } });
    expect(answer.isError).toBeFalsy();
    expect(answer.structuredContent).toMatchObject({ outcome: null, approval: { status: 'pending' }, wait: { tool: 'wait_for_decision' } });
    const bad = await client.callTool({ name: 'request_approval', arguments: { title: 'x', description: 'y', priority: 'urgent' } });
    expect(bad.isError).toBe(true);
    expect((bad.content as { text: string }[])[0]!.text).toMatch(/Input validation error: .*priority/s);
  });

  it('arguments outside the schema are refused before a task or a request is made', async () => {
    await expect(requestAsTask(client, { title: 'x', description: 'y', priority: 'urgent' })).rejects.toThrow(/Input validation error: .*priority/s);
  });

  it('a request a policy decides as it is made is a completed task at once', async () => {
    await usePolicies(server, seed);
    const task = await requestAsTask(client, { title: 'Read logs', description: 'x', priority: 'low', action_type: 'read.logs' });
    expect(task).toMatchObject({ status: 'completed', statusMessage: 'approved by policy reads-are-safe: reads are safe' });
    const result = await client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    expect(result.structuredContent).toMatchObject({ outcome: 'approved', approval: { status: 'approved', decided_by_type: 'policy', decided_by_policy: { id: 'reads-are-safe' } } });

    const denied = await requestAsTask(client, { title: 'Drop the table', description: 'x', priority: 'low', action_type: 'db.drop' });
    expect(denied).toMatchObject({ status: 'completed', statusMessage: 'rejected by policy no-drops: dropping needs a person' });
  });
});
