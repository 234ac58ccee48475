/**
 * The agent-framework adapters end to end: each framework's own package and its own test model (the
 * AI SDK's MockLanguageModelV4, the Agents SDK's ScriptedModel) drive a tool call, the adapter asks a
 * real Greenlight server, a second principal decides through the API, and the framework goes on:
 * approved → the tool runs; rejected, expired or unanswered → it does not, and the model is told why.
 * An approval of another request (a gateway that mixes answers up) never runs a tool.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { generateText, tool as aiTool, isStepCount } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { Agent, run, tool as agentsTool } from '@openai/agents-core';
import { ScriptedModel, assistantMessage, functionCall } from '@openai/agents-core/testing';
import { harness, signedIn, startMisroutingProxy, usePolicies } from '@greenlight/server/testing';
import { Greenlight, type Approval } from '@greenlight/client';
import { greenlightToolApproval } from '@greenlight/client/ai-sdk';
import { resolveInterruptions } from '@greenlight/client/openai-agents';

let server: harness.TestServer;
beforeAll(async () => {
  // Expiry swept every 200 ms, for the expired-request case.
  server = await harness.startTestServer({ config: { GREENLIGHT_EXPIRY_SWEEP_MS: '200' } });
});
afterAll(() => server?.stop());

async function setup() {
  const seed = await harness.seedOrg(server.db, 'Agents');
  const agent = new Greenlight({ baseUrl: server.url, apiKey: seed.key });
  const reviewer = new Greenlight({ baseUrl: server.url, apiKey: (await seed.newKey({ name: 'reviewer' })).key });
  return { agent, reviewer };
}

/** The reviewer's side: waits for the request the adapter makes for a call id, then decides it. */
async function decideWhenAsked(reviewer: Greenlight, key: string, decision: 'approve' | 'reject', comment?: string): Promise<Approval> {
  for (let i = 0; i < 400; i++) {
    const found = await reviewer.approvals.findByIdempotencyKey(key);
    if (found) {
      await reviewer.approvals.decide(found.id, { decision, ...(comment ? { comment } : {}) });
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

/** A model that calls `deleteAccount` once, then answers with text. */
function aiModel(callId: string) {
  return new MockLanguageModelV4({
    doGenerate: [
      {
        content: [{ type: 'tool-call', toolCallId: callId, toolName: 'deleteAccount', input: '{"account":"acme-42"}' }],
        finishReason: { unified: 'tool-calls', raw: undefined },
        usage,
        warnings: [],
      },
      { content: [{ type: 'text', text: 'Done.' }], finishReason: { unified: 'stop', raw: undefined }, usage, warnings: [] },
    ],
  });
}

function aiTools(ran: string[]) {
  return {
    deleteAccount: aiTool({
      description: 'Delete a customer account',
      inputSchema: z.object({ account: z.string() }),
      execute: async ({ account }) => {
        ran.push(account);
        return { deleted: account };
      },
    }),
    lookup: aiTool({ description: 'Read an account', inputSchema: z.object({ account: z.string() }), execute: async () => ({ ok: true }) }),
  };
}

describe('Vercel AI SDK: greenlightToolApproval', () => {
  it('approved: the request carries the tool and its input, the tool runs, the SDK records the approval', async () => {
    const { agent, reviewer } = await setup();
    const ran: string[] = [];
    const [result, asked] = await Promise.all([
      generateText({ model: aiModel('call-approve'), tools: aiTools(ran), toolApproval: greenlightToolApproval(agent), stopWhen: isStepCount(3), prompt: 'Delete acme-42' }),
      decideWhenAsked(reviewer, 'ai-sdk:call-approve', 'approve', 'ticket 1234'),
    ]);
    expect(ran).toEqual(['acme-42']);
    expect(result.text).toBe('Done.');
    expect(asked).toMatchObject({ title: 'Run the tool deleteAccount', action_type: 'tool.deleteAccount', source: 'ai-sdk' });
    expect(asked.metadata).toMatchObject({ tool: 'deleteAccount', call_id: 'call-approve', input: { account: 'acme-42' } });
    const response = result.steps[0]!.content.find((p) => p.type === 'tool-approval-response');
    expect(response).toMatchObject({ approved: true, reason: 'ticket 1234' });
  });

  it('rejected: the tool does not run and the model receives the reviewer’s reason', async () => {
    const { agent, reviewer } = await setup();
    const ran: string[] = [];
    const model = aiModel('call-reject');
    await Promise.all([
      generateText({ model, tools: aiTools(ran), toolApproval: greenlightToolApproval(agent), stopWhen: isStepCount(3), prompt: 'Delete acme-42' }),
      decideWhenAsked(reviewer, 'ai-sdk:call-reject', 'reject', 'customer has an open invoice'),
    ]);
    expect(ran).toEqual([]);
    // The second model call sees the denied tool result with the reason.
    const prompt = JSON.stringify(model.doGenerateCalls[1]!.prompt);
    expect(prompt).toContain('execution-denied');
    expect(prompt).toContain('A reviewer rejected this tool call in Greenlight: customer has an open invoice');
  });

  it('a retried step with the same call id asks once and gets the same answer', async () => {
    const { agent, reviewer } = await setup();
    const ran: string[] = [];
    await Promise.all([
      generateText({ model: aiModel('call-retry'), tools: aiTools(ran), toolApproval: greenlightToolApproval(agent), stopWhen: isStepCount(3), prompt: 'x' }),
      decideWhenAsked(reviewer, 'ai-sdk:call-retry', 'approve'),
    ]);
    await generateText({ model: aiModel('call-retry'), tools: aiTools(ran), toolApproval: greenlightToolApproval(agent), stopWhen: isStepCount(3), prompt: 'x' });
    expect(ran).toEqual(['acme-42', 'acme-42']);
    const page = await reviewer.approvals.list({ idempotency_key: 'ai-sdk:call-retry' });
    expect(page.data).toHaveLength(1);
    expect((await reviewer.approvals.list({ action_type: 'tool.deleteAccount' })).data).toHaveLength(1);
  });

  it('an approval of another request, answered to its wait by a gateway that mixes answers up: the tool does not run', async () => {
    const seed = await harness.seedOrg(server.db, 'Agents');
    const reviewer = new Greenlight({ baseUrl: server.url, apiKey: (await seed.newKey({ name: 'reviewer' })).key });
    const other = await new Greenlight({ baseUrl: server.url, apiKey: seed.key }).approvals.create({ title: 'Another call', description: 'x', priority: 'low' });
    await reviewer.approvals.approve(other.id);
    const proxy = await startMisroutingProxy(server.url, (path) => path.replace(/\/api\/v1\/approvals\/[^/?]+\/wait/, `/api/v1/approvals/${other.id}/wait`));
    try {
      const through = new Greenlight({ baseUrl: proxy.url, apiKey: seed.key, maxRetries: 0 });
      const ran: string[] = [];
      const outcome = await generateText({ model: aiModel('call-misrouted'), tools: aiTools(ran), toolApproval: greenlightToolApproval(through, { timeout: 5 }), stopWhen: isStepCount(3), prompt: 'x' })
        .then(() => 'answered')
        .catch((e: Error) => e.name);
      expect(ran).toEqual([]);
      // The adapter does not catch it: the step fails, as it does when Greenlight cannot be asked.
      expect(outcome).toBe('WrongRequestError');
      expect((await reviewer.approvals.findByIdempotencyKey('ai-sdk:call-misrouted'))?.status).toBe('pending');
    } finally {
      await proxy.close();
    }
  });

  it('fails closed: no decision within the timeout denies the call and leaves the request pending', async () => {
    const { agent, reviewer } = await setup();
    const ran: string[] = [];
    const model = aiModel('call-timeout');
    await generateText({ model, tools: aiTools(ran), toolApproval: greenlightToolApproval(agent, { timeout: 1 }), stopWhen: isStepCount(3), prompt: 'x' });
    expect(ran).toEqual([]);
    expect(JSON.stringify(model.doGenerateCalls[1]!.prompt)).toContain('No decision on this tool call within 1 s');
    const asked = await reviewer.approvals.findByIdempotencyKey('ai-sdk:call-timeout');
    expect(asked?.status).toBe('pending');
  });

  it('a revoke window: an approval revoked before the agent acts denies the call; once the tool starts it can no longer be revoked', async () => {
    const { agent, reviewer } = await setup();
    const windowed = { timeout: 1, request: () => ({ revocable_for_seconds: 300 }) };
    const attempt = (callId: string, ran: string[], model = aiModel(callId)) =>
      generateText({ model, tools: aiTools(ran), toolApproval: greenlightToolApproval(agent, windowed), stopWhen: isStepCount(3), prompt: 'x' }).then(() => model);

    // The first attempt gives up while the request is pending; the reviewer approves, then revokes;
    // the retried step finds the same request, now a rejection that says it was revoked.
    const ran: string[] = [];
    await attempt('call-revoked', ran);
    const asked = (await reviewer.approvals.findByIdempotencyKey('ai-sdk:call-revoked'))!;
    await reviewer.approvals.decide(asked.id, { decision: 'approve' });
    await reviewer.approvals.revoke(asked.id, 'wrong account');
    const model = await attempt('call-revoked', ran);
    expect(ran).toEqual([]);
    expect(JSON.stringify(model.doGenerateCalls[1]!.prompt)).toContain('revoked the approval of this tool call in Greenlight before it ran: wrong account');

    // Approved with the window open: the adapter reports `started` before the tool runs, which closes the window.
    const ranToo: string[] = [];
    await attempt('call-claimed', ranToo);
    const second = (await reviewer.approvals.findByIdempotencyKey('ai-sdk:call-claimed'))!;
    await reviewer.approvals.decide(second.id, { decision: 'approve' });
    await attempt('call-claimed', ranToo);
    expect(ranToo).toEqual(['acme-42']);
    expect((await reviewer.approvals.get(second.id)).execution).toMatchObject({ status: 'started' });
    await expect(reviewer.approvals.revoke(second.id)).rejects.toMatchObject({ details: { reason: 'execution_started' } });
  });

  it('an expired request denies the call', async () => {
    const { agent, reviewer } = await setup();
    const ran: string[] = [];
    const model = aiModel('call-expire');
    const approval = greenlightToolApproval(agent, { request: () => ({ expires_at: new Date(Date.now() + 1500).toISOString() }) });
    await generateText({ model, tools: aiTools(ran), toolApproval: approval, stopWhen: isStepCount(3), prompt: 'x' });
    expect(ran).toEqual([]);
    expect((await reviewer.approvals.findByIdempotencyKey('ai-sdk:call-expire'))?.status).toBe('expired');
    expect(JSON.stringify(model.doGenerateCalls[1]!.prompt)).toContain('before its approval request expired');
  });

  it('calls that `when` leaves out run without a request', async () => {
    const { agent, reviewer } = await setup();
    const model = new MockLanguageModelV4({
      doGenerate: [
        {
          content: [{ type: 'tool-call', toolCallId: 'call-read', toolName: 'lookup', input: '{"account":"acme-42"}' }],
          finishReason: { unified: 'tool-calls', raw: undefined },
          usage,
          warnings: [],
        },
        { content: [{ type: 'text', text: 'Read.' }], finishReason: { unified: 'stop', raw: undefined }, usage, warnings: [] },
      ],
    });
    const approval = greenlightToolApproval(agent, { when: (call) => call.toolName !== 'lookup' });
    const result = await generateText({ model, tools: aiTools([]), toolApproval: approval, stopWhen: isStepCount(3), prompt: 'x' });
    expect(result.text).toBe('Read.');
    expect(await reviewer.approvals.findByIdempotencyKey('ai-sdk:call-read')).toBeNull();
  });
});

describe('OpenAI Agents SDK: resolveInterruptions', () => {
  function agentWith(model: ScriptedModel, ran: string[]) {
    const refund = agentsTool({
      name: 'refund',
      description: 'Refund an order',
      parameters: z.object({ order: z.string(), amount: z.number() }),
      needsApproval: true,
      execute: async ({ order }) => {
        ran.push(order);
        return `refunded ${order}`;
      },
    });
    return new Agent({ name: 'Support', instructions: 'Help', model, tools: [refund] });
  }

  it('approved: the interruption becomes a request, the run resumes and the tool runs', async () => {
    const { agent: gl, reviewer } = await setup();
    const ran: string[] = [];
    const model = new ScriptedModel([[functionCall('refund', { order: 'A-1', amount: 30 }, { callId: 'fc-approve' })], [assistantMessage('Refunded.')]]);
    const agent = agentWith(model, ran);
    let result = await run(agent, 'Refund order A-1');
    expect(result.interruptions).toHaveLength(1);
    const [resolved, asked] = await Promise.all([resolveInterruptions(gl, result), decideWhenAsked(reviewer, 'openai-agents:fc-approve', 'approve')]);
    expect(asked.metadata).toMatchObject({ tool: 'refund', input: { order: 'A-1', amount: 30 } });
    expect(resolved.decisions.get('fc-approve')).toMatchObject({ approved: true, outcome: 'approved', approvalId: asked.id });
    result = await run(agent, resolved.state);
    expect(ran).toEqual(['A-1']);
    expect(result.finalOutput).toBe('Refunded.');
  });

  it('rejected: the tool does not run and the model receives the reviewer’s reason', async () => {
    const { agent: gl, reviewer } = await setup();
    const ran: string[] = [];
    const model = new ScriptedModel([[functionCall('refund', { order: 'B-2', amount: 900 }, { callId: 'fc-reject' })], [assistantMessage('Not refunded.')]]);
    const agent = agentWith(model, ran);
    const first = await run(agent, 'Refund order B-2');
    const [resolved] = await Promise.all([resolveInterruptions(gl, first), decideWhenAsked(reviewer, 'openai-agents:fc-reject', 'reject', 'over the refund limit')]);
    const result = await run(agent, resolved.state);
    expect(ran).toEqual([]);
    expect(result.finalOutput).toBe('Not refunded.');
    expect(JSON.stringify(model.lastCall!.request.input)).toContain('A reviewer rejected this tool call in Greenlight: over the refund limit');
  });

  it("a revoke window: with revokeWindow 'wait' a revoke within it rejects the call; by default the approval is claimed (`started`) before the tool runs", async () => {
    const { agent: gl, reviewer } = await setup();
    const ran: string[] = [];
    const windowed = { request: () => ({ revocable_for_seconds: 300 }) };
    const model = new ScriptedModel([[functionCall('refund', { order: 'C-3', amount: 50 }, { callId: 'fc-revoked' })], [assistantMessage('Not refunded.')]]);
    const agent = agentWith(model, ran);
    const resolving = resolveInterruptions(gl, await run(agent, 'Refund order C-3'), { ...windowed, revokeWindow: 'wait' });
    const asked = await decideWhenAsked(reviewer, 'openai-agents:fc-revoked', 'approve');
    // The adapter waits the window out rather than claiming the approval, so the revoke is in time.
    await reviewer.approvals.revoke(asked.id, 'refunded by phone already');
    const resolved = await resolving;
    expect(resolved.decisions.get('fc-revoked')).toMatchObject({ approved: false, outcome: 'rejected', approvalId: asked.id });
    const result = await run(agent, resolved.state);
    expect(ran).toEqual([]);
    expect(result.finalOutput).toBe('Not refunded.');
    expect(JSON.stringify(model.lastCall!.request.input)).toContain('revoked the approval of this tool call in Greenlight before it ran: refunded by phone already');

    const claimedModel = new ScriptedModel([[functionCall('refund', { order: 'D-4', amount: 20 }, { callId: 'fc-claimed' })], [assistantMessage('Refunded.')]]);
    const claimedAgent = agentWith(claimedModel, ran);
    const [claimed, second] = await Promise.all([
      resolveInterruptions(gl, await run(claimedAgent, 'Refund order D-4'), windowed),
      decideWhenAsked(reviewer, 'openai-agents:fc-claimed', 'approve'),
    ]);
    expect(claimed.decisions.get('fc-claimed')).toMatchObject({ approved: true, outcome: 'approved' });
    await run(claimedAgent, claimed.state);
    expect(ran).toEqual(['D-4']);
    expect((await reviewer.approvals.get(second.id)).execution).toMatchObject({ status: 'started' });
    await expect(reviewer.approvals.revoke(second.id)).rejects.toMatchObject({ details: { reason: 'execution_started' } });
  });
});

/**
 * A policy's decision is a decision like a person's: the adapters get it without anyone deciding (no
 * reviewer here), at once, and tell the model which policy said no and why.
 */
describe('auto-decisions by the org’s policies', () => {
  const POLICIES = `@id("reads-are-safe")
@reason("reads are safe")
permit (principal, action, resource) when { resource has action_type && resource.action_type like "tool.lookup*" };

@id("no-deletes")
@reason("deleting needs a ticket")
forbid (principal, action, resource) when { resource has action_type && resource.action_type == "tool.deleteAccount" };
`;
  async function withPolicies() {
    const seed = await harness.seedOrg(server.db, 'Agents');
    await usePolicies(server, seed, POLICIES);
    return { seed, agent: new Greenlight({ baseUrl: server.url, apiKey: seed.key }) };
  }
  const lookupModel = (callId: string) =>
    new MockLanguageModelV4({
      doGenerate: [
        { content: [{ type: 'tool-call', toolCallId: callId, toolName: 'lookup', input: '{"account":"acme-42"}' }], finishReason: { unified: 'tool-calls', raw: undefined }, usage, warnings: [] },
        { content: [{ type: 'text', text: 'Read.' }], finishReason: { unified: 'stop', raw: undefined }, usage, warnings: [] },
      ],
    });

  it('the SDK: create answers the decision, and waiting for it returns at once with the policy named', async () => {
    const { agent } = await withPolicies();
    const allowed = await agent.approvals.create({ title: 'Read', description: 'x', priority: 'low', action_type: 'tool.lookupOrder' });
    expect(allowed).toMatchObject({ status: 'approved', decided_by_type: 'policy', decided_by_policy: { id: 'reads-are-safe' } });
    expect(await agent.approvals.waitForDecision(allowed.id, { timeout: 5 })).toMatchObject({ status: 'approved', decided_by_type: 'policy' });
    const denied = await agent.approvals.create({ title: 'Delete', description: 'x', priority: 'low', action_type: 'tool.deleteAccount' });
    expect(await agent.approvals.waitForOutcome(denied.id, { timeout: 5 })).toMatchObject({ outcome: 'rejected', approval: { decided_by_policy: { id: 'no-deletes' }, decision_comment: 'deleting needs a ticket' } });
  });

  it('AI SDK: a policy’s approval runs the tool with nobody asked; its denial tells the model which policy and why', async () => {
    const { agent } = await withPolicies();
    const ran: string[] = [];
    const tools = { ...aiTools(ran), lookup: aiTool({ description: 'Read an account', inputSchema: z.object({ account: z.string() }), execute: async ({ account }) => (ran.push(`read ${account}`), { ok: true }) }) };
    await generateText({ model: lookupModel('call-policy-read'), tools, toolApproval: greenlightToolApproval(agent, { timeout: 5 }), stopWhen: isStepCount(3), prompt: 'x' });
    expect(ran).toEqual(['read acme-42']);
    expect(await agent.approvals.findByIdempotencyKey('ai-sdk:call-policy-read')).toMatchObject({ status: 'approved', decided_by_type: 'policy' });

    const model = aiModel('call-policy-delete');
    await generateText({ model, tools, toolApproval: greenlightToolApproval(agent, { timeout: 5 }), stopWhen: isStepCount(3), prompt: 'x' });
    expect(ran).toEqual(['read acme-42']);
    expect(JSON.stringify(model.doGenerateCalls[1]!.prompt)).toContain("Greenlight's policy no-deletes rejected this tool call: deleting needs a ticket");
  });

  it('OpenAI Agents: resolveInterruptions resolves a policy’s decision with nobody asked', async () => {
    const { agent: gl } = await withPolicies();
    const ran: string[] = [];
    const lookup = agentsTool({ name: 'lookupOrder', description: 'Read an order', parameters: z.object({ order: z.string() }), needsApproval: true, execute: async ({ order }) => (ran.push(order), `read ${order}`) });
    const model = new ScriptedModel([[functionCall('lookupOrder', { order: 'A-1' }, { callId: 'fc-policy' })], [assistantMessage('Read.')]]);
    const agent = new Agent({ name: 'Support', instructions: 'Help', model, tools: [lookup] });
    const first = await run(agent, 'Read order A-1');
    const resolved = await resolveInterruptions(gl, first, { timeout: 5 });
    expect(resolved.decisions.get('fc-policy')).toMatchObject({ approved: true, outcome: 'approved' });
    const result = await run(agent, resolved.state);
    expect(ran).toEqual(['A-1']);
    expect(result.finalOutput).toBe('Read.');
  });
});

/**
 * "Allow for this session", kept by the team's server: a reviewer approves one call with a standing
 * grant for the agent's session, and the session's next matching calls run without anyone asked;
 * another session is asked as before.
 */
describe('a reviewer’s grant for the agent session', () => {
  it('AI SDK with `session`: one approval with a session grant runs the session’s later calls at once, and no other session’s', async () => {
    const seed = await harness.seedOrg(server.db, 'Agents');
    const agent = new Greenlight({ baseUrl: server.url, apiKey: seed.key });
    const admin = await signedIn(server, seed);
    const ran: string[] = [];
    const ask = (callId: string, session: string, timeout = 30) =>
      generateText({ model: aiModel(callId), tools: aiTools(ran), toolApproval: greenlightToolApproval(agent, { session, timeout }), stopWhen: isStepCount(3), prompt: 'x' });

    const approveWithGrant = async () => {
      for (let i = 0; i < 400; i++) {
        const found = await agent.approvals.findByIdempotencyKey('ai-sdk:call-session-1');
        if (found) {
          await admin.http().patch(`/api/v1/approvals/${found.id}`).send({ decision: 'approve', grant: { agent_session: true, max_uses: 5 } }).expect(200);
          return;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('the first call never asked');
    };
    await Promise.all([ask('call-session-1', 'conv-1'), approveWithGrant()]);
    expect(ran).toEqual(['acme-42']);

    await ask('call-session-2', 'conv-1');
    expect(ran).toEqual(['acme-42', 'acme-42']);
    expect(await agent.approvals.findByIdempotencyKey('ai-sdk:call-session-2')).toMatchObject({ status: 'approved', decided_by_type: 'grant', metadata: { session_id: 'conv-1' } });

    await ask('call-session-other', 'conv-2', 1);
    expect(ran).toHaveLength(2);
    expect((await agent.approvals.findByIdempotencyKey('ai-sdk:call-session-other'))?.status).toBe('pending');
  });
});
