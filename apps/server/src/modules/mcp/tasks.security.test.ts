import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { memberWithPassword } from '../../testing/oauth.ts';
import { freePort } from '../../testing/spawn-server.ts';
import { connectMcpOverHttp, MemoryOAuthProvider } from '../../testing/mcp.ts';

let server: TestServer;
let orgA: SeededOrg;
let orgB: SeededOrg;
let memberA: { id: string; email: string; password: string };
let clientA: Client;
/** Another person of org A, with an MCP client of their own. */
let clientA2: Client;
/** The same person as clientA, through a second MCP client application (another OAuth grant). */
let clientA3: Client;
let clientB: Client;

const TITLE = 'Wire 40,000 EUR to the supplier';

async function requestAsTask(c: Client) {
  const { task } = await c.request(
    { method: 'tools/call', params: { name: 'request_approval', arguments: { title: TITLE, description: 'invoice 7781', priority: 'high' }, task: {} } },
    CreateTaskResultSchema,
  );
  return task;
}

beforeAll(async () => {
  const port = await freePort();
  server = await startTestServer({ config: { PORT: String(port) } });
  orgA = await seedOrg(server.db, 'Org A');
  orgB = await seedOrg(server.db, 'Org B');
  memberA = await memberWithPassword(server, orgA, 'approver');
  const memberA2 = await memberWithPassword(server, orgA, 'admin');
  const memberB = await memberWithPassword(server, orgB, 'admin');
  clientA = (await connectMcpOverHttp(server, memberA)).client;
  clientA2 = (await connectMcpOverHttp(server, memberA2, new MemoryOAuthProvider('http://localhost:40301/cb'))).client;
  clientA3 = (await connectMcpOverHttp(server, memberA, new MemoryOAuthProvider('http://localhost:40302/cb'))).client;
  clientB = (await connectMcpOverHttp(server, memberB, new MemoryOAuthProvider('http://localhost:40303/cb'))).client;
});

afterAll(async () => {
  await Promise.all([clientA, clientA2, clientA3, clientB].map((c) => c?.close()));
  await server?.stop();
});

describe('an MCP task belongs to the principal that made it', () => {
  it.each([
    ['another organization', () => clientB],
    ['another person of the same organization (an admin)', () => clientA2],
    ['the same person through another MCP client (another grant)', () => clientA3],
  ])('%s: tasks/get, tasks/result and tasks/cancel answer "not found" and nothing of the request; the request is untouched', async (_who, other) => {
    const task = await requestAsTask(clientA);
    const calls = [
      () => other().experimental.tasks.getTask(task.taskId),
      () => other().experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema),
      () => other().experimental.tasks.cancelTask(task.taskId),
    ];
    for (const call of calls) {
      const err = await call().then(
        (answer) => ({ answer }),
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/Task not found/);
      expect(JSON.stringify(err)).not.toContain('Wire');
      expect((err as Error).message).not.toMatch(/pending|Wire|invoice/);
    }
    expect((await server.http(orgA.key).get(`/api/v1/approvals/${task.taskId}`).expect(200)).body).toMatchObject({ status: 'pending' });
    // Its own principal still reads it.
    expect(await clientA.experimental.tasks.getTask(task.taskId)).toMatchObject({ status: 'working' });
  });

  it('an id that is no request, or a request made outside MCP by an API key of the same organization, is no task', async () => {
    const byKey = (await server.http(orgA.key).post('/api/v1/approvals').send({ title: TITLE, description: 'x', priority: 'low' }).expect(201)).body as { id: string };
    for (const id of [byKey.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid', '../approvals']) {
      await expect(clientA.experimental.tasks.getTask(id)).rejects.toThrow(/Task not found/);
    }
  });

  it('tasks/list is not offered: nobody enumerates tasks', async () => {
    expect(clientA.getServerCapabilities()?.tasks).not.toHaveProperty('list');
    await expect(clientA.experimental.tasks.listTasks()).rejects.toThrow();
  });

  it('tasks/cancel by a caller the API refuses to let cancel (the member is now a viewer) is refused and cancels nothing', async () => {
    const task = await requestAsTask(clientA);
    await server.db.query(`UPDATE memberships SET role = 'viewer' WHERE org_id = $1 AND user_id = $2`, [orgA.org.id, memberA.id]);
    try {
      await expect(clientA.experimental.tasks.cancelTask(task.taskId)).rejects.toThrow(/was not cancelled: FORBIDDEN \(HTTP 403\)/);
      expect((await server.http(orgA.key).get(`/api/v1/approvals/${task.taskId}`).expect(200)).body).toMatchObject({ status: 'pending' });
    } finally {
      await server.db.query(`UPDATE memberships SET role = 'approver' WHERE org_id = $1 AND user_id = $2`, [orgA.org.id, memberA.id]);
    }
    expect(await clientA.experimental.tasks.getTask(task.taskId)).toMatchObject({ status: 'working' });
  });
});
