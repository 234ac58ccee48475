/**
 * A reviewer changes a tool call's arguments before approving it, end to end with each framework's
 * own package and test model: the request marks the call's arguments editable, the reviewer approves
 * with edits through the API, the tool's implementation receives the edited values, and the model is
 * told what changed. Edited input the tool refuses, a rejection, and an adapter that cannot run edited
 * input never run the tool.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { generateText, tool as aiTool, isStepCount } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { Agent, run, tool as agentsTool } from '@openai/agents-core';
import { ScriptedModel, assistantMessage, functionCall } from '@openai/agents-core/testing';
import { harness } from '@greenlight/server/testing';
import { Greenlight, type Approval } from '@greenlight/client';
import { greenlightToolApproval, greenlightTools } from '@greenlight/client/ai-sdk';
import { greenlightApprovals, resolveInterruptions } from '@greenlight/client/openai-agents';

let server: harness.TestServer;
beforeAll(async () => {
  server = await harness.startTestServer();
});
afterAll(() => server?.stop());

async function setup() {
  const seed = await harness.seedOrg(server.db, 'Agent edits');
  const agent = new Greenlight({ baseUrl: server.url, apiKey: seed.key });
  const reviewer = new Greenlight({ baseUrl: server.url, apiKey: (await seed.newKey({ name: 'reviewer' })).key });
  return { agent, reviewer };
}

/** The reviewer's side: waits for the request of a call, then decides it (with edits, when given). */
async function decideWhenAsked(reviewer: Greenlight, key: string, body: Parameters<Greenlight['approvals']['decide']>[1]): Promise<Approval> {
  for (let i = 0; i < 400; i++) {
    const found = await reviewer.approvals.findByIdempotencyKey(key);
    if (found) {
      await reviewer.approvals.decide(found.id, body);
      return found;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no request with idempotency key ${key}`);
}

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 5, text: 5, reasoning: undefined },
};

/** A model that calls `runQuery` once, then answers with text. */
function aiModel(callId: string) {
  return new MockLanguageModelV4({
    doGenerate: [
      {
        content: [{ type: 'tool-call', toolCallId: callId, toolName: 'runQuery', input: '{"query":"DELETE FROM users","limit":100}' }],
        finishReason: { unified: 'tool-calls', raw: undefined },
        usage,
        warnings: [],
      },
      { content: [{ type: 'text', text: 'Done.' }], finishReason: { unified: 'stop', raw: undefined }, usage, warnings: [] },
    ],
  });
}

function aiTools(ran: { query: string; limit: number }[]) {
  return {
    runQuery: aiTool({
      description: 'Run a SQL query',
      inputSchema: z.object({ query: z.string(), limit: z.number() }),
      execute: async (input) => {
        ran.push(input);
        return { rows: input.limit };
      },
    }),
  };
}

/** A tool whose schema bounds the limit: what a reviewer's edit must still satisfy. */
function strictTools(ran: { query: string; limit: number }[]) {
  return {
    runQuery: aiTool({
      description: 'Run a SQL query',
      inputSchema: z.object({ query: z.string(), limit: z.number().int().min(1).max(1000) }),
      execute: async (input) => {
        ran.push(input);
        return { rows: input.limit };
      },
    }),
  };
}

const promptOf = (model: MockLanguageModelV4, call: number) => JSON.stringify(model.doGenerateCalls[call]!.prompt);

describe('Vercel AI SDK: greenlightTools', () => {
  it('the call’s arguments are editable; approved with edits, the tool receives the edited values and the model is told what changed', async () => {
    const { agent, reviewer } = await setup();
    const ran: { query: string; limit: number }[] = [];
    const model = aiModel('call-edit');
    const { tools, toolApproval } = greenlightTools(agent, aiTools(ran));
    const [result, asked] = await Promise.all([
      generateText({ model, tools, toolApproval, stopWhen: isStepCount(3), prompt: 'Clean up users' }),
      decideWhenAsked(reviewer, 'ai-sdk:call-edit', { decision: 'approve', edits: { 'metadata.input.query': 'SELECT id FROM users', 'metadata.input.limit': 10 } }),
    ]);
    expect(asked.editable).toEqual(['metadata.input.query', 'metadata.input.limit']);
    expect(ran).toEqual([{ query: 'SELECT id FROM users', limit: 10 }]);
    expect(result.text).toBe('Done.');
    // The tool result the model reads: the note, then the tool's own output.
    const toolMessage = model.doGenerateCalls[1]!.prompt.find((m) => m.role === 'tool');
    expect(toolMessage?.content).toMatchObject([
      {
        type: 'tool-result',
        output: {
          type: 'json',
          value: {
            greenlight:
              'A reviewer changed the arguments of this tool call before approving it in Greenlight: query from "DELETE FROM users" to "SELECT id FROM users"; ' +
              'limit from 100 to 10. The tool is called with the changed arguments.',
            output: { rows: 10 },
          },
        },
      },
    ]);
    const approved = await reviewer.approvals.get(asked.id);
    expect(approved.approved_content?.metadata).toMatchObject({ input: { query: 'SELECT id FROM users', limit: 10 } });
  });

  it('approved without edits: the tool runs with the model’s arguments and its result is the tool’s own', async () => {
    const { agent, reviewer } = await setup();
    const ran: { query: string; limit: number }[] = [];
    const model = aiModel('call-as-is');
    const { tools, toolApproval } = greenlightTools(agent, aiTools(ran));
    await Promise.all([
      generateText({ model, tools, toolApproval, stopWhen: isStepCount(3), prompt: 'x' }),
      decideWhenAsked(reviewer, 'ai-sdk:call-as-is', { decision: 'approve' }),
    ]);
    expect(ran).toEqual([{ query: 'DELETE FROM users', limit: 100 }]);
    expect(promptOf(model, 1)).not.toContain('A reviewer changed');
  });

  it('edited to input the tool refuses: the tool does not run and the model is told why', async () => {
    const { agent, reviewer } = await setup();
    const ran: { query: string; limit: number }[] = [];
    const model = aiModel('call-edit-invalid');
    const { tools, toolApproval } = greenlightTools(agent, strictTools(ran));
    await Promise.all([
      generateText({ model, tools, toolApproval, stopWhen: isStepCount(3), prompt: 'x' }),
      // A number stays a number (the server's rule), but 0 is below the tool's own minimum.
      decideWhenAsked(reviewer, 'ai-sdk:call-edit-invalid', { decision: 'approve', edits: { 'metadata.input.limit': 0 } }),
    ]);
    expect(ran).toEqual([]);
    const told = promptOf(model, 1);
    expect(told).toContain('execution-denied');
    expect(told).toContain('limit from 100 to 0. The changed arguments are not valid input for this tool');
  });

  it('rejected: the tool does not run', async () => {
    const { agent, reviewer } = await setup();
    const ran: { query: string; limit: number }[] = [];
    const model = aiModel('call-edit-reject');
    const { tools, toolApproval } = greenlightTools(agent, aiTools(ran));
    await Promise.all([
      generateText({ model, tools, toolApproval, stopWhen: isStepCount(3), prompt: 'x' }),
      decideWhenAsked(reviewer, 'ai-sdk:call-edit-reject', { decision: 'reject', comment: 'never delete' }),
    ]);
    expect(ran).toEqual([]);
    expect(promptOf(model, 1)).toContain('A reviewer rejected this tool call in Greenlight: never delete');
  });

  it('greenlightTools’ toolApproval with the tools passed unwrapped: nothing is editable, and edits deny the call', async () => {
    const { agent, reviewer } = await setup();
    const ran: { query: string; limit: number }[] = [];
    const raw = aiTools(ran);
    const { toolApproval } = greenlightTools(agent, raw);
    const [, asked] = await Promise.all([
      generateText({ model: aiModel('call-unwrapped'), tools: raw, toolApproval, stopWhen: isStepCount(3), prompt: 'x' }),
      decideWhenAsked(reviewer, 'ai-sdk:call-unwrapped', { decision: 'approve' }),
    ]);
    expect(asked.editable).toEqual([]);
    expect(ran).toEqual([{ query: 'DELETE FROM users', limit: 100 }]);
  });

  it('greenlightToolApproval alone cannot run changed input: nothing is marked editable, and an approval that edits anyway denies the call', async () => {
    const { agent, reviewer } = await setup();
    const ran: { query: string; limit: number }[] = [];
    const plain = aiModel('call-plain');
    const [, asked] = await Promise.all([
      generateText({ model: plain, tools: aiTools(ran), toolApproval: greenlightToolApproval(agent), stopWhen: isStepCount(3), prompt: 'x' }),
      decideWhenAsked(reviewer, 'ai-sdk:call-plain', { decision: 'approve' }),
    ]);
    expect(asked.editable).toEqual([]);
    expect(ran).toHaveLength(1);

    // The caller's own `request` marked a field editable: the edit is approved, the call as asked is not what was approved.
    const model = aiModel('call-plain-edited');
    const approval = greenlightToolApproval(agent, { request: () => ({ editable: ['metadata.input.query'] }) });
    await Promise.all([
      generateText({ model, tools: aiTools(ran), toolApproval: approval, stopWhen: isStepCount(3), prompt: 'x' }),
      decideWhenAsked(reviewer, 'ai-sdk:call-plain-edited', { decision: 'approve', edits: { 'metadata.input.query': 'SELECT 1' } }),
    ]);
    expect(ran).toHaveLength(1);
    expect(promptOf(model, 1)).toContain('This integration cannot run changed arguments, so the call was not run');
  });
});

describe('OpenAI Agents SDK: greenlightApprovals', () => {
  function refundTool(ran: { order: string; amount: number }[]) {
    return agentsTool({
      name: 'refund',
      description: 'Refund an order',
      parameters: z.object({ order: z.string(), amount: z.number().max(500) }),
      needsApproval: true,
      execute: async (input) => {
        ran.push(input);
        return `refunded ${input.amount} on ${input.order}`;
      },
    });
  }

  it('approved with edits: the wrapped tool runs with the edited arguments and its output tells the model what changed', async () => {
    const { agent: gl, reviewer } = await setup();
    const ran: { order: string; amount: number }[] = [];
    const greenlight = greenlightApprovals(gl);
    const model = new ScriptedModel([[functionCall('refund', { order: 'A-1', amount: 300 }, { callId: 'fc-edit' })], [assistantMessage('Refunded.')]]);
    const agent = new Agent({ name: 'Support', instructions: 'Help', model, tools: [greenlight.tool(refundTool(ran))] });
    const first = await run(agent, 'Refund order A-1');
    const [resolved, asked] = await Promise.all([
      greenlight.resolveInterruptions(first),
      decideWhenAsked(reviewer, 'openai-agents:fc-edit', { decision: 'approve', edits: { 'metadata.input.amount': 120 } }),
    ]);
    expect(asked.editable).toEqual(['metadata.input.order', 'metadata.input.amount']);
    expect(resolved.decisions.get('fc-edit')).toMatchObject({ approved: true, input: { order: 'A-1', amount: 120 }, edits: [{ path: 'metadata.input.amount', before: 300, after: 120 }] });
    const result = await run(agent, resolved.state);
    expect(ran).toEqual([{ order: 'A-1', amount: 120 }]);
    expect(result.finalOutput).toBe('Refunded.');
    const told = JSON.stringify(model.lastCall!.request.input);
    expect(told).toContain('A reviewer changed the arguments of this tool call before approving it in Greenlight: amount from 300 to 120.');
    expect(told).toContain('refunded 120 on A-1');
  });

  it('edited to arguments the tool’s parameters refuse: its execute never runs', async () => {
    const { agent: gl, reviewer } = await setup();
    const ran: { order: string; amount: number }[] = [];
    const greenlight = greenlightApprovals(gl);
    const model = new ScriptedModel([[functionCall('refund', { order: 'B-2', amount: 30 }, { callId: 'fc-edit-invalid' })], [assistantMessage('Not refunded.')]]);
    const agent = new Agent({ name: 'Support', instructions: 'Help', model, tools: [greenlight.tool(refundTool(ran))] });
    const first = await run(agent, 'Refund order B-2');
    const [resolved] = await Promise.all([
      greenlight.resolveInterruptions(first),
      decideWhenAsked(reviewer, 'openai-agents:fc-edit-invalid', { decision: 'approve', edits: { 'metadata.input.amount': 9000 } }),
    ]);
    await run(agent, resolved.state);
    expect(ran).toEqual([]);
    const told = JSON.stringify(model.lastCall!.request.input);
    // The tool's own parsing refused the arguments: the model reads the reviewer's change and the tool's error.
    expect(told).toContain('amount from 30 to 9000. The tool is called with the changed arguments.\\n\\nAn error occurred while running the tool');
  });

  it('a tool not wrapped is not offered for editing; resolveInterruptions alone marks nothing editable', async () => {
    const { agent: gl, reviewer } = await setup();
    const ran: { order: string; amount: number }[] = [];
    const greenlight = greenlightApprovals(gl);
    const model = new ScriptedModel([[functionCall('refund', { order: 'C-3', amount: 30 }, { callId: 'fc-unwrapped' })], [assistantMessage('Refunded.')]]);
    const agent = new Agent({ name: 'Support', instructions: 'Help', model, tools: [refundTool(ran)] });
    const [resolved, asked] = await Promise.all([
      greenlight.resolveInterruptions(await run(agent, 'Refund order C-3')),
      decideWhenAsked(reviewer, 'openai-agents:fc-unwrapped', { decision: 'approve' }),
    ]);
    expect(asked.editable).toEqual([]);
    await run(agent, resolved.state);
    expect(ran).toEqual([{ order: 'C-3', amount: 30 }]);

    const model2 = new ScriptedModel([[functionCall('refund', { order: 'D-4', amount: 30 }, { callId: 'fc-plain' })], [assistantMessage('Refunded.')]]);
    const agent2 = new Agent({ name: 'Support', instructions: 'Help', model: model2, tools: [refundTool(ran)] });
    const [, plain] = await Promise.all([
      resolveInterruptions(gl, await run(agent2, 'Refund order D-4')),
      decideWhenAsked(reviewer, 'openai-agents:fc-plain', { decision: 'reject' }),
    ]);
    expect(plain.editable).toEqual([]);
  });
});
