/**
 * Answers over MCP (the stdio server as a client starts it): request_approval takes the contract's
 * `response_schema` and `editable`, get_approval says what approving takes, decide_approval gives an
 * answer and edits (a wrong answer is a tool error naming the field, nothing decided), and
 * wait_for_decision returns the answer, the edits and the approved content, structured and in words.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../../apps/server/src/testing/index.ts';

const BIN = fileURLToPath(new URL('../bin/greenlight-mcp.mjs', import.meta.url));

let server: TestServer;
let seed: SeededOrg;
let agent: Client;
let reviewer: Client;

async function connect(apiKey: string, name: string): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({ command: process.execPath, args: [BIN], env: { PATH: process.env.PATH ?? '', GREENLIGHT_URL: server.url, GREENLIGHT_API_KEY: apiKey }, stderr: 'pipe' }),
  );
  return client;
}

beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db, 'MCP answers');
  agent = await connect(seed.key, 'agent');
  reviewer = await connect((await seed.newKey({ name: 'reviewer' })).key, 'reviewer');
}, 60_000);

afterAll(async () => {
  await agent?.close();
  await reviewer?.close();
  await server?.stop();
});

const REFUND = {
  title: 'Refund order A-1',
  description: 'The customer asks for a refund',
  priority: 'medium',
  metadata: { order: 'A-1', input: { query: 'DELETE FROM orders', limit: 100 } },
  response_schema: {
    type: 'object',
    properties: { amount: { type: 'number', minimum: 0, maximum: 500 }, region: { type: 'string', enum: ['eu', 'us'], default: 'eu' } },
    required: ['amount'],
  },
  editable: ['metadata.input.query'],
};

type ToolResult = { isError?: boolean; structuredContent?: Record<string, unknown>; content: { type: string; text: string }[] };
const call = async (client: Client, name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as ToolResult;

describe('answers over MCP', { timeout: 60_000 }, () => {
  it('the tools’ schemas are the contract’s: request_approval takes response_schema and editable, decide_approval response and edits', async () => {
    const { tools } = await agent.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName.request_approval!.inputSchema.properties).toHaveProperty('response_schema');
    expect(byName.request_approval!.inputSchema.properties).toHaveProperty('editable');
    expect(byName.decide_approval!.inputSchema.properties).toHaveProperty('response');
    expect(byName.decide_approval!.inputSchema.properties).toHaveProperty('edits');
  });

  it('request, answer and edit through decide_approval, and wait_for_decision returns the answer and what was approved', async () => {
    const created = await call(agent, 'request_approval', REFUND);
    expect(created.isError).toBeFalsy();
    const id = (created.structuredContent!.approval as { id: string }).id;

    const got = await call(reviewer, 'get_approval', { id });
    expect(got.content[0]!.text).toContain('Approving it takes an answer (response): amount (number, required), region (string); see response_schema.');
    expect(got.content[0]!.text).toContain('An approver may edit: metadata.input.query.');

    const wrong = await call(reviewer, 'decide_approval', { id, decision: 'approve', response: { amount: 900 } });
    expect(wrong.isError).toBe(true);
    expect(wrong.content[0]!.text).toContain('response.amount');
    expect((await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body.status).toBe('pending');

    const decided = await call(reviewer, 'decide_approval', { id, decision: 'approve', response: { amount: 120 }, edits: { 'metadata.input.query': 'SELECT id FROM orders' } });
    expect(decided.isError, decided.content[0]!.text).toBeFalsy();
    expect(decided.structuredContent!.approval).toMatchObject({ status: 'approved', response: { amount: 120, region: 'eu' } });

    const waited = await call(agent, 'wait_for_decision', { id, timeout_seconds: 5 });
    expect(waited.structuredContent).toMatchObject({
      outcome: 'approved',
      approval: {
        response: { amount: 120, region: 'eu' },
        edits: [{ path: 'metadata.input.query', before: 'DELETE FROM orders', after: 'SELECT id FROM orders' }],
        approved_content: { metadata: { order: 'A-1', input: { query: 'SELECT id FROM orders', limit: 100 } } },
      },
    });
    const text = waited.content[0]!.text;
    expect(text).toContain('The reviewer answered: {"amount":120,"region":"eu"}.');
    expect(text).toContain('The reviewer changed metadata.input.query from "DELETE FROM orders" to "SELECT id FROM orders" before approving: act on approved_content');
  });

  it('an answer with a rejection is refused by the tool’s own schema, before any call', async () => {
    const created = await call(agent, 'request_approval', REFUND);
    const id = (created.structuredContent!.approval as { id: string }).id;
    const refused = await call(reviewer, 'decide_approval', { id, decision: 'reject', response: { amount: 1 } });
    expect(refused.isError).toBe(true);
    expect(refused.content[0]!.text).toContain('an answer is given only with an approval');
    expect((await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body.status).toBe('pending');
  });
});
