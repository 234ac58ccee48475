import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema, CreateTaskResultSchema, ElicitRequestSchema, type ElicitRequest } from '@modelcontextprotocol/sdk/types.js';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../../apps/server/src/testing/index.ts';

const BIN = fileURLToPath(new URL('../bin/greenlight-mcp.mjs', import.meta.url));

let server: TestServer;
let seed: SeededOrg;
const clients: Client[] = [];

/** greenlight-mcp started by an MCP client with this API key; the client declares `capabilities`. */
async function start(key: string, capabilities: ConstructorParameters<typeof Client>[1] = {}): Promise<Client> {
  const client = new Client({ name: 'stdio-tasks-test', version: '1.0.0' }, capabilities);
  await client.connect(
    new StdioClientTransport({ command: process.execPath, args: [BIN], env: { PATH: process.env.PATH ?? '', GREENLIGHT_URL: server.url, GREENLIGHT_API_KEY: key }, stderr: 'pipe' }),
  );
  clients.push(client);
  return client;
}

const args = { title: 'Rebuild the search index', description: 'x', priority: 'low' } as const;

beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server?.stop();
});

describe('greenlight-mcp over stdio: tasks and URL elicitation', () => {
  it('a task made with one API key: polled, decided through the API, its result the decision; another key of the same org gets no task', async () => {
    const client = await start(seed.key);
    const { task } = await client.request({ method: 'tools/call', params: { name: 'request_approval', arguments: args, task: { ttl: 1000 } } }, CreateTaskResultSchema);
    expect(task).toMatchObject({ status: 'working', ttl: null });

    const other = await start((await seed.newKey()).key);
    await expect(other.experimental.tasks.getTask(task.taskId)).rejects.toThrow(/Task not found/);

    await server.http((await seed.newKey()).key).patch(`/api/v1/approvals/${task.taskId}`).send({ decision: 'approve' }).expect(200);
    const result = await client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    expect(result.structuredContent).toMatchObject({ outcome: 'approved', approval: { id: task.taskId, status: 'approved' } });
    await expect(other.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema)).rejects.toThrow(/Task not found/);
  });

  it('a client that declared URL elicitation is asked to open the pending request\'s page; its answer decides nothing', async () => {
    const client = await start(seed.key, { capabilities: { elicitation: { url: {} } } });
    const asked = new Promise<ElicitRequest['params']>((resolve) => {
      client.setRequestHandler(ElicitRequestSchema, (request) => {
        resolve(request.params);
        return { action: 'accept' };
      });
    });
    const answer = await client.callTool({ name: 'request_approval', arguments: args });
    const id = (answer.structuredContent as { approval: { id: string } }).approval.id;
    expect(await asked).toMatchObject({ mode: 'url', url: `${server.url}/requests/${id}`, elicitationId: expect.any(String), message: expect.stringContaining('Rebuild the search index') });
    expect((await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body).toMatchObject({ status: 'pending' });
  });

  it('a client without URL elicitation is never asked', async () => {
    const client = await start(seed.key, { capabilities: { elicitation: { form: {} } } });
    const asked: unknown[] = [];
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      asked.push(request.params);
      return { action: 'decline' };
    });
    const answer = await client.callTool({ name: 'request_approval', arguments: args });
    expect(answer.structuredContent).toMatchObject({ outcome: null, approval: { status: 'pending' } });
    // A round trip after the answer: anything sent before it has arrived.
    await client.ping();
    expect(asked).toEqual([]);
  });
});
