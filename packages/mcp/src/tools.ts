import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  GetTaskPayloadRequestSchema,
  McpError,
  RELATED_TASK_META_KEY,
  type CallToolRequest,
  type CallToolResult,
  type CreateTaskResult,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import {
  Approval,
  ApprovalDetail,
  ApprovalList,
  CreateApprovalBody,
  DecideApprovalBody,
  DecisionResult,
  ListApprovalsQuery,
  ReportExecutionBody,
  WAIT_TIMEOUT,
  WaitResult,
  ALTERNATE_SPELLINGS,
  answerFields,
  type ResponseSchema,
} from '@greenlight/contract';
import { ApiError, GreenlightError, WAIT_OUTCOMES, type Approval as ApiApproval, type Greenlight } from '@greenlight/client';
import { answered, answerOfApproval, ApprovalTaskStore, decidedBy, revocableHint, TASK_POLL_INTERVAL_MS, taskOfApproval } from './approval-tasks.ts';

export const MCP_SERVER_NAME = 'greenlight';
export const MCP_SERVER_VERSION = '0.1.0';

/** The longest one `wait_for_decision` call may wait; a longer wait is several calls. */
export const MAX_WAIT_SECONDS = 600;
const DEFAULT_WAIT_SECONDS = 50;

/**
 * The tools' schemas, each derived from the contract's zod schema of the API call it makes (the SDK
 * turns them into the JSON Schemas `tools/list` answers and checks arguments and results with them).
 * `request_approval` takes Greenlight's own spelling of each field: the peer APIs' alternate
 * spellings would give an agent two ways to say one thing.
 */
const createShape = Object.fromEntries(
  Object.entries(CreateApprovalBody.shape).filter(([k]) => !(ALTERNATE_SPELLINGS as readonly string[]).includes(k)),
) as Omit<typeof CreateApprovalBody.shape, (typeof ALTERNATE_SPELLINGS)[number]>;
export const RequestApprovalInput = z.strictObject(createShape);

const ApprovalId = z.strictObject({ id: Approval.shape.id.describe('The id of the approval request') });

export const WaitForDecisionInput = z.strictObject({
  id: Approval.shape.id.describe('The id of the approval request'),
  timeout_seconds: z
    .number()
    .int()
    .min(WAIT_TIMEOUT.min)
    .max(MAX_WAIT_SECONDS)
    .default(DEFAULT_WAIT_SECONDS)
    .describe(`Seconds to wait at most (${WAIT_TIMEOUT.min}–${MAX_WAIT_SECONDS}); when they pass with the request still pending the outcome is timed_out: call again`),
});

export const ListPendingInput = ListApprovalsQuery.pick({
  page_size: true,
  page_token: true,
  priority: true,
  search: true,
  action_type: true,
  source: true,
}).strict();

/**
 * A decision on someone else's request, with the contract's own schemas: the decision, a comment, and
 * with an approval optionally a standing grant (GiveGrant), which the server gives only where the
 * request's `viewer_can.grant` allows it (a person's OAuth grant; never an API key).
 */
export const DecideApprovalInput = z
  .strictObject({
    id: Approval.shape.id.describe('The id of the approval request to decide'),
    decision: DecideApprovalBody.shape.decision,
    comment: DecideApprovalBody.shape.comment,
    response: DecideApprovalBody.shape.response.describe(
      "The answer to the request's response_schema (only with decision approve): get_approval shows what it asks. The server checks it; a wrong " +
        'answer is refused naming each field, and nothing is decided',
    ),
    edits: DecideApprovalBody.shape.edits.describe(
      "New values for fields the request marks editable (its editable paths, e.g. {\"metadata.input.query\": \"SELECT 1\"}), only with decision approve; " +
        'each keeps the type of the value it replaces',
    ),
    grant: DecideApprovalBody.shape.grant.describe(
      '"And the same for the next hour / N uses / this agent session": a standing grant given with the approval (only with decision approve, ' +
        'only where the request\'s viewer_can.grant is allowed); it approves the same connection\'s next matching requests without asking',
    ),
  })
  .refine((a) => a.grant === undefined || a.decision === 'approve', { path: ['grant'], message: 'a grant is given only with an approval' })
  .refine((a) => a.response === undefined || a.decision === 'approve', { path: ['response'], message: 'an answer is given only with an approval' })
  .refine((a) => a.edits === undefined || a.decision === 'approve', { path: ['edits'], message: 'edits are made only with an approval' });
export const DecisionOutput = z.object({ approval: DecisionResult });

/** The receipt's body (the contract's) and the request it is about. */
export const ReportExecutionInput = z.strictObject({
  id: Approval.shape.id.describe('The id of the approved request the receipt is about'),
  ...ReportExecutionBody.shape,
});

const HowToWait = z.object({
  tool: z.literal('wait_for_decision'),
  arguments: z.object({ id: Approval.shape.id }),
  message: z.string(),
});
export const RequestApprovalOutput = z.object({
  approval: ApprovalDetail,
  outcome: z
    .enum(WAIT_OUTCOMES)
    .nullable()
    .describe('The outcome when the request was decided as it was made (by one of the team’s policies): nothing to wait for; null while pending'),
  wait: HowToWait,
});
export const WaitForDecisionOutput = z.object({
  outcome: z.enum(WAIT_OUTCOMES).describe('approved, rejected, cancelled, expired, or timed_out (still pending: call again)'),
  approval: WaitResult,
});
export const ApprovalOutput = z.object({ approval: Approval });
/** The request read by id also carries its run and every reviewer's result. */
export const ApprovalDetailOutput = z.object({ approval: ApprovalDetail });

export interface GreenlightToolsOptions {
  /** How often `wait_for_decision` reports progress while it waits (seconds; default 10). */
  progressIntervalSeconds?: number;
  /**
   * The dashboard page of a request, for a person at the keyboard: offered to a client that declared
   * URL elicitation when `request_approval` leaves a request pending. Absent: never offered.
   */
  approvalPageUrl?: (id: string) => string;
  /**
   * The connection (API key or OAuth grant) the client acts as, where the host knows it: the owner of
   * the tasks `request_approval` makes. Absent: asked of the API once.
   */
  connectionId?: () => Promise<string | null>;
}

/**
 * What the caller may do with a request, in a sentence, from the server's `viewer_can` (also in the
 * structured result): the model then neither offers a decision it would be refused nor guesses why.
 */
export function youMay(a: Pick<Approval, 'viewer_can'>): string {
  const can = a.viewer_can;
  if (!can) return '';
  const actions = [
    ['approve', can.decide.allowed ? can.decide.approve : can.decide],
    ['reject', can.decide],
    ['cancel', can.cancel],
    ['revoke', can.revoke],
    ['comment', can.comment],
    ['give a standing grant with the approval', can.grant ?? { allowed: false }],
  ] as const;
  const allowed = actions.filter(([, p]) => p.allowed).map(([name]) => name);
  const decide = can.decide.allowed ? '' : ` It cannot decide it: ${can.decide.reason ?? 'not allowed'}.`;
  return ` This caller may: ${allowed.length > 0 ? allowed.join(', ') : 'nothing'}.${decide}`;
}

/** What a pending request asks of whoever approves it: the fields of its answer and what may be edited. */
export function asked(a: Pick<ApiApproval, 'status' | 'response_schema' | 'editable'>): string {
  if (a.status !== 'pending') return '';
  const fields = a.response_schema ? answerFields(a.response_schema as ResponseSchema).map((f) => `${f.name} (${f.field.type}${f.required ? ', required' : ''})`) : [];
  return [
    fields.length > 0 ? ` Approving it takes an answer (response): ${fields.join(', ')}; see response_schema.` : '',
    (a.editable ?? []).length > 0 ? ` An approver may edit: ${a.editable!.join(', ')}.` : '',
  ].join('');
}

/** A tool's answer: the structured result and, for clients that read only text, the same as JSON. */
function ok<T extends object>(structured: T, summary: string): CallToolResult {
  return { structuredContent: structured as Record<string, unknown>, content: [{ type: 'text', text: `${summary}\n${JSON.stringify(structured)}` }] };
}

/**
 * API errors are the tool's result with `isError` (the model reads them and can correct itself),
 * not protocol errors; anything else (a bug, the server unreachable after retries) is said as plainly.
 */
function failed(err: unknown): CallToolResult {
  if (err instanceof ApiError) {
    const details = err.details ? ` ${JSON.stringify(err.details)}` : '';
    return { isError: true, content: [{ type: 'text', text: `${err.code} (HTTP ${err.status}): ${err.message}${details}` }] };
  }
  if (err instanceof GreenlightError) return { isError: true, content: [{ type: 'text', text: `${err.name}: ${err.message}` }] };
  throw err;
}

async function guarded(run: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await run();
  } catch (err) {
    return failed(err);
  }
}

/**
 * The Greenlight MCP server: seven tools over one API client. The stdio entry gives it a client with
 * the user's API key; the server's `/mcp` endpoint gives it one acting as the OAuth grant of the call.
 */
export function createGreenlightMcpServer(greenlight: Greenlight, options: GreenlightToolsOptions = {}): McpServer {
  const progressEvery = Math.max(1, options.progressIntervalSeconds ?? 10);
  const tasks = new ApprovalTaskStore(greenlight, options.connectionId);
  const server = new McpServer(
    { name: MCP_SERVER_NAME, version: MCP_SERVER_VERSION, title: 'Greenlight' },
    {
      instructions:
        'Greenlight asks a human to approve an action. Call request_approval before doing anything risky or irreversible, ' +
        'then wait_for_decision with the id it returns (again while the outcome is timed_out). Act only when the outcome is ' +
        'approved; on rejected, do not act and tell the user the reviewer\'s comment (decision_comment). A request may ask the ' +
        'reviewer for an answer (response_schema) and let them change fields before approving (editable, e.g. metadata.input.<argument>): ' +
        'once approved, act on approved_content (the metadata and changes as approved, edits applied), not on what you asked, and read ' +
        'the answer in response. An approval may be ' +
        'revoked while its revocable_until lies ahead: call report_execution with status started just before acting, and if it ' +
        'answers that the approval was revoked, do not act (it is a rejection). After acting on an approval, call ' +
        'report_execution (started, then succeeded or failed) so the approvers see what happened. A client that supports tasks ' +
        'may call request_approval as a task instead of waiting: the task is the request, completed when it is decided.',
      // Tasks (experimental in MCP): request_approval as a task the client polls (tasks/get) or waits on (tasks/result).
      // No tasks/list: a task is read by the id its call answered.
      capabilities: { tasks: { cancel: {}, requests: { tools: { call: {} } } } },
      taskStore: tasks,
    },
  );

  /**
   * The request as `request_approval` made it; a pending one is offered to a person at the keyboard
   * as a page to open, where the client declared URL elicitation. Only an offer: whatever the
   * client answers decides nothing, and the call does not wait for it.
   */
  const create = async (args: z.infer<typeof RequestApprovalInput>) => {
    const approval = await greenlight.approvals.create({ ...args, source: args.source ?? 'mcp' });
    const pageUrl = options.approvalPageUrl?.(approval.id);
    if (approval.status === 'pending' && pageUrl && server.server.getClientCapabilities()?.elicitation?.url) {
      server.server
        .elicitInput({ mode: 'url', elicitationId: randomUUID(), url: pageUrl, message: `Greenlight asks a person to approve "${approval.title}". Open the request to see it and who is asked.` })
        .catch(() => undefined);
    }
    return approval;
  };

  /** A task-augmented call: the request is made and answered as its task at once (a policy may have decided it already). */
  const createTask = async (args: z.infer<typeof RequestApprovalInput>, extra: RequestHandlerExtra<ServerRequest, ServerNotification>): Promise<CreateTaskResult> => {
    let approval;
    try {
      approval = await create(args);
    } catch (err) {
      const answer = failed(err);
      throw new McpError(ErrorCode.InvalidRequest, (answer.content[0] as { text: string }).text);
    }
    const task = await extra.taskStore!.createTask({ pollInterval: TASK_POLL_INTERVAL_MS, context: { approval } });
    return { task };
  };

  /**
   * The SDK answers a call without `task` to a tool whose task support is optional by making the
   * task and polling it to its end: for request_approval that would hold the call until a person
   * decides, and a refused creation would come back as an unreadable result-validation error. So
   * the tools/call handler the SDK installs is wrapped (before the first tool is registered, when
   * it installs it): request_approval's calls are answered here, a client without tasks getting
   * the answer it always got; every other call goes on to the SDK's handler.
   */
  const inner = server.server;
  const install = inner.setRequestHandler.bind(inner) as (schema: unknown, handler: (request: unknown, extra: RequestHandlerExtra<ServerRequest, ServerNotification>) => unknown) => void;
  inner.setRequestHandler = ((schema: unknown, handler: (request: unknown, extra: RequestHandlerExtra<ServerRequest, ServerNotification>) => unknown) => {
    if (schema !== CallToolRequestSchema) return install(schema, handler);
    return install(schema, async (request, extra) => {
      const { params } = request as CallToolRequest;
      if (params.name !== 'request_approval') return handler(request, extra);
      const args = RequestApprovalInput.safeParse(params.arguments ?? {});
      const invalid = args.success ? null : `Input validation error: Invalid arguments for tool request_approval: ${args.error.message}`;
      if (params.task) {
        if (!args.success) throw new McpError(ErrorCode.InvalidParams, invalid!);
        return createTask(args.data, extra);
      }
      if (!args.success) return { isError: true, content: [{ type: 'text', text: invalid! }] } satisfies CallToolResult;
      return guarded(async () => answerOfApproval(await create(args.data), true));
    });
  }) as typeof inner.setRequestHandler;

  server.experimental.tasks.registerToolTask(
    'request_approval',
    {
      title: 'Request approval',
      description:
        'Ask a human to approve an action. Returns at once with the pending request; then call wait_for_decision with its id. ' +
        'Give an idempotency_key (e.g. your tool call id) so a retried call never asks twice. ' +
        'As a task (where the client supports tasks), the task is the request: working while pending, completed with the decision.',
      inputSchema: RequestApprovalInput,
      outputSchema: RequestApprovalOutput,
      annotations: { title: 'Request approval', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
      execution: { taskSupport: 'optional' },
    },
    // Registered as a task tool for tools/list (`execution`) and the SDK's checks; its calls are
    // answered by the wrapper above, with the same functions these handlers call.
    {
      createTask: (args, extra) => createTask(args as z.infer<typeof RequestApprovalInput>, extra),
      getTask: async (_args, extra) => taskOfApproval(await readTask(extra.taskId, extra.signal)),
      getTaskResult: async (_args, extra) => answerOfApproval(await readTask(extra.taskId, extra.signal)),
    },
  );

  const readTask = async (taskId: string, signal?: AbortSignal) => {
    const approval = await tasks.read(taskId, signal);
    if (!approval) throw new McpError(ErrorCode.InvalidParams, `Task not found: ${taskId}`);
    return approval;
  };

  /**
   * `tasks/result` holds until the task ends. The SDK's own handler would read the task again every
   * poll interval; this one waits in the API's long poll instead, which the decision wakes on any
   * replica, then says the task's new status on the same stream (`notifications/tasks/status`)
   * and answers its result. A client gone meanwhile aborts the wait; the task is unchanged.
   */
  server.server.setRequestHandler(GetTaskPayloadRequestSchema, async (request, extra) => {
    const taskId = request.params.taskId;
    let approval = await readTask(taskId, extra.signal);
    while (approval.status === 'pending') {
      const waited = await greenlight.approvals.wait(taskId, WAIT_TIMEOUT.max, { signal: extra.signal });
      if (waited.outcome && waited.outcome !== 'timed_out') approval = await readTask(taskId, extra.signal);
    }
    await extra.sendNotification({ method: 'notifications/tasks/status', params: taskOfApproval(approval) }).catch(() => undefined);
    const answer = answerOfApproval(approval);
    return { ...answer, _meta: { ...answer._meta, [RELATED_TASK_META_KEY]: { taskId } } };
  });

  server.registerTool(
    'wait_for_decision',
    {
      title: 'Wait for a decision',
      description:
        'Wait until a human decides an approval request, up to timeout_seconds (reporting progress while waiting). ' +
        'The outcome is approved, rejected, cancelled, expired, or timed_out (still pending: call again).',
      inputSchema: WaitForDecisionInput,
      outputSchema: WaitForDecisionOutput,
      annotations: { title: 'Wait for a decision', readOnlyHint: true, idempotentHint: true, openWorldHint: true },
    },
    ({ id, timeout_seconds }, extra) =>
      guarded(async () => {
        // Progress goes out on its own clock while one long poll (up to the API's 60 s) waits, so a
        // client whose request timeout is reset by progress keeps waiting, and a ten-minute wait costs
        // ten API calls of the grant's rate limit, not sixty.
        const progressToken = extra._meta?.progressToken;
        const started = Date.now();
        const deadline = started + timeout_seconds * 1000;
        const timer =
          progressToken === undefined
            ? undefined
            : setInterval(() => {
                extra
                  .sendNotification({
                    method: 'notifications/progress',
                    params: {
                      progressToken,
                      progress: Math.round((Date.now() - started) / 1000),
                      total: timeout_seconds,
                      message: `Approval request ${id} is still pending`,
                    },
                  })
                  .catch(() => undefined);
              }, progressEvery * 1000);
        try {
          for (;;) {
            const remaining = Math.ceil((deadline - Date.now()) / 1000);
            const poll = Math.max(WAIT_TIMEOUT.min, Math.min(WAIT_TIMEOUT.max, remaining));
            const { outcome, ...approval } = await greenlight.approvals.wait(id, poll, { signal: extra.signal });
            if (outcome && outcome !== 'timed_out') {
              return ok(
                { outcome, approval },
                `Approval request ${id}: ${outcome}${decidedBy(approval)}${approval.decision_comment ? ` (${approval.decision_comment})` : ''}.${answered(approval)}${revocableHint(outcome, approval)}`,
              );
            }
            if (Date.now() >= deadline) {
              return ok({ outcome: 'timed_out' as const, approval }, `Approval request ${id} is still pending after ${timeout_seconds} s: call wait_for_decision again.`);
            }
          }
        } finally {
          clearInterval(timer);
        }
      }),
  );

  server.registerTool(
    'get_approval',
    {
      title: 'Get an approval request',
      description: 'Read an approval request as it stands: status, decision, comment, and with steps its run and each reviewer\'s result.',
      inputSchema: ApprovalId,
      outputSchema: ApprovalDetailOutput,
      annotations: { title: 'Get an approval request', readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    ({ id }, extra) =>
      guarded(async () => {
        const approval = await greenlight.approvals.get(id, { signal: extra.signal });
        return ok({ approval }, `Approval request ${id} is ${approval.status}.${asked(approval)}${answered(approval)}${youMay(approval)}`);
      }),
  );

  server.registerTool(
    'list_pending',
    {
      title: 'List pending approval requests',
      description: 'The approval requests still waiting for a decision, newest first (one page; follow next_page_token).',
      inputSchema: ListPendingInput,
      outputSchema: ApprovalList,
      annotations: { title: 'List pending approval requests', readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    (args, extra) =>
      guarded(async () => {
        const page = await greenlight.approvals.list({ ...args, status: 'pending' } as Parameters<Greenlight['approvals']['list']>[0], { signal: extra.signal });
        return ok(page, `${page.data.length} pending approval request(s) on this page.`);
      }),
  );

  server.registerTool(
    'decide_approval',
    {
      title: 'Approve or reject a request',
      description:
        'Approve or reject an approval request someone else made, as the person this connection acts for (never your own request). ' +
        'A request with a response_schema takes an answer (response) with the approval, and one with editable fields may be approved with ' +
        'edits; get_approval shows both. With decision approve, grant may add a standing grant ("the same for the next hour"): check the request\'s viewer_can.grant first ' +
        '(get_approval); where it is not allowed the server refuses and nothing is decided.',
      inputSchema: DecideApprovalInput,
      outputSchema: DecisionOutput,
      annotations: { title: 'Approve or reject a request', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    ({ id, decision, comment, response, edits, grant }, extra) =>
      guarded(async () => {
        const approval = await greenlight.approvals.decide(
          id,
          {
            decision,
            ...(comment !== undefined ? { comment } : {}),
            ...(response !== undefined ? { response } : {}),
            ...(edits !== undefined ? { edits } : {}),
            ...(grant !== undefined ? { grant } : {}),
            source: 'mcp',
          },
          { signal: extra.signal },
        );
        return ok({ approval }, `Approval request ${id} is ${approval.status}${grant ? ', with a standing grant given' : ''}.${answered(approval)}${youMay(approval)}`);
      }),
  );

  server.registerTool(
    'cancel_approval',
    {
      title: 'Cancel an approval request',
      description: 'Withdraw a pending approval request you made (nobody can decide it afterwards).',
      inputSchema: ApprovalId,
      outputSchema: ApprovalOutput,
      annotations: { title: 'Cancel an approval request', readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    ({ id }, extra) =>
      guarded(async () => {
        const approval = await greenlight.approvals.cancel(id, { signal: extra.signal });
        return ok({ approval }, `Approval request ${id} is ${approval.status}.${youMay(approval)}`);
      }),
  );

  server.registerTool(
    'report_execution',
    {
      title: 'Report an execution',
      description:
        'After acting on an approved request, tell the approvers what happened: status started, then succeeded or failed ' +
        '(either may come without started; they are final), with a short message and optionally a url where the result can be seen. ' +
        'Only on an approved request you made.',
      inputSchema: ReportExecutionInput,
      outputSchema: ApprovalOutput,
      annotations: { title: 'Report an execution', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    ({ id, ...report }, extra) =>
      guarded(async () => {
        const approval = await greenlight.approvals.reportExecution(id, report, { signal: extra.signal });
        return ok({ approval }, `Execution of approval request ${id} reported ${report.status}.`);
      }),
  );

  return server;
}
