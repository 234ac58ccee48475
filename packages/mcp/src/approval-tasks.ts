import type { CreateTaskOptions, TaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/interfaces.js';
import { ErrorCode, McpError, type CallToolResult, type Request, type RequestId, type Result, type Task } from '@modelcontextprotocol/sdk/types.js';
import { ApiError, outcomeOfStatus, type Approval, type Greenlight } from '@greenlight/client';

/** A request as the API's read answers it (with its run and every reviewer's result). */
type ApprovalDetail = Awaited<ReturnType<Greenlight['approvals']['get']>>;

/**
 * How often a client polling `tasks/get` is asked to look again (ms): a person's decision takes
 * minutes, and each look is an API call counted against the connection's rate limit (an OAuth
 * grant's 1,000 an hour). A client that wants the decision the moment it lands holds `tasks/result`.
 */
export const TASK_POLL_INTERVAL_MS = 30_000;

/**
 * The MCP task of `request_approval` is the approval request itself, not a copy of it: its id is
 * the request's id, its status is read from the request each time, and its result is the request
 * as it stands. Nothing is kept here, so any replica answers for any task, across restarts and a
 * client's reconnects, and the approval's single writer (core) stays the only one: this store
 * writes nothing but a cancellation, through the API like any caller.
 *
 * A task belongs to the connection that made the request (the API key, or the OAuth grant of an
 * MCP client over HTTP): the API's own read already hides other organizations' requests (404), and
 * this store answers "not found" for a request of the same organization that another connection
 * made, so one MCP principal never reads another's task even with its id. It does not hide the
 * request itself from members who may read it through `get_approval`: only its task.
 */
export class ApprovalTaskStore implements TaskStore {
  #owner: Promise<string | null> | undefined;

  /** `owner`: the connection the server acts as, where its host knows it; otherwise asked of the API (`GET /me`) once. */
  constructor(
    private readonly greenlight: Greenlight,
    private readonly knownOwner?: () => Promise<string | null>,
  ) {}

  /** The connection this MCP server acts as: the API key, or the OAuth grant; null for a person's session (which makes no tasks). */
  private owner(): Promise<string | null> {
    this.#owner ??= this.knownOwner ? this.knownOwner() : this.greenlight.me().then((me) => me.connection?.id ?? null);
    return this.#owner;
  }

  /** The request behind a task this principal made; null when there is none it may see as a task. */
  async read(taskId: string, signal?: AbortSignal): Promise<ApprovalDetail | null> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(taskId)) return null;
    let approval: ApprovalDetail;
    try {
      approval = await this.greenlight.approvals.get(taskId, signal ? { signal } : {});
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
    const owner = await this.owner();
    return owner !== null && approval.connection_id === owner ? approval : null;
  }

  /** `context.approval`: the request `request_approval` just made, as the API answered it. */
  async createTask(taskParams: CreateTaskOptions, _requestId: RequestId, _request: Request): Promise<Task> {
    const approval = taskParams.context?.approval as ApprovalDetail | undefined;
    if (!approval) throw new Error('a task of request_approval is made from the approval request it made');
    return taskOfApproval(approval);
  }

  async getTask(taskId: string): Promise<Task | null> {
    const approval = await this.read(taskId);
    return approval ? taskOfApproval(approval) : null;
  }

  async getTaskResult(taskId: string): Promise<Result> {
    const approval = await this.read(taskId);
    if (!approval) throw new McpError(ErrorCode.InvalidParams, `Task not found: ${taskId}`);
    return answerOfApproval(approval);
  }

  /** The request's own decision is the task's result: nothing else may set it. */
  async storeTaskResult(): Promise<void> {
    throw new McpError(ErrorCode.InvalidRequest, 'The result of an approval task is the decision on the request; it cannot be stored');
  }

  /**
   * `tasks/cancel` withdraws the request through the API, which refuses a caller that may not
   * cancel it (and a request already decided): the refusal is the answer, and nothing changes.
   */
  async updateTaskStatus(taskId: string, status: Task['status']): Promise<void> {
    if (status !== 'cancelled') throw new McpError(ErrorCode.InvalidRequest, `An approval task's status follows its request; it cannot be set to ${status}`);
    try {
      await this.greenlight.approvals.cancel(taskId);
    } catch (err) {
      if (err instanceof ApiError) throw new McpError(ErrorCode.InvalidRequest, `The approval request was not cancelled: ${err.code} (HTTP ${err.status}): ${err.message}`);
      throw err;
    }
  }

  /** Not offered (the server does not declare `tasks.list`): a task is read by the id `request_approval` answered. */
  async listTasks(): Promise<{ tasks: Task[] }> {
    throw new McpError(ErrorCode.MethodNotFound, 'tasks/list is not offered: read a task by the id request_approval answered');
  }
}

/**
 * The task's status from the request's: pending is `working` (saying whom it waits for), a decision
 * (approved or rejected, by a person, a policy or a grant) is `completed`, a cancelled request is
 * `cancelled` and an expired one `failed`: nobody decided it.
 */
export function taskOfApproval(a: ApprovalDetail): Task {
  const outcome = outcomeOfStatus(a.status);
  const status: Task['status'] = outcome === undefined ? 'working' : outcome === 'expired' ? 'failed' : outcome === 'cancelled' ? 'cancelled' : 'completed';
  const reason = a.viewer_can?.decide.reason;
  const statusMessage =
    status === 'working'
      ? reason?.startsWith('Waiting for')
        ? reason
        : 'Waiting for a decision'
      : status === 'completed'
        ? `${outcome}${decidedBy(a)}${a.decision_comment ? `: ${a.decision_comment}` : ''}`
        : status === 'failed'
          ? 'The request expired with nobody deciding'
          : 'The request was cancelled';
  return {
    taskId: a.id,
    status,
    statusMessage,
    createdAt: a.created_at,
    lastUpdatedAt: a.decided_at ?? a.cancelled_at ?? a.expired_at ?? a.updated_at,
    // The request is the task: it lasts as long as the request is kept, not a client's choice.
    ttl: null,
    pollInterval: TASK_POLL_INTERVAL_MS,
  };
}

/** Who decided, where it was not a person now: " by policy reads-are-safe", " by Ann's standing grant". */
export function decidedBy(approval: Pick<Approval, 'decided_by_type' | 'decided_by_policy' | 'decided_by_grant'>): string {
  if (approval.decided_by_type === 'policy' && approval.decided_by_policy) return ` by policy ${approval.decided_by_policy.id}`;
  if (approval.decided_by_type === 'grant' && approval.decided_by_grant) return ` by ${approval.decided_by_grant.given_by.name}'s standing grant`;
  return '';
}

/** A value in a sentence: JSON, cut short when long. */
export const shown = (v: unknown): string => {
  const text = JSON.stringify(v) ?? 'null';
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
};

/**
 * What a decided request's reviewer answered and changed, in a sentence (also in the structured
 * result: `response`, `edits`, `approved_content`): the model acts on what was approved.
 */
export function answered(a: Pick<Approval, 'response' | 'edits' | 'approved_content'>): string {
  const parts: string[] = [];
  if (a.response && Object.keys(a.response).length > 0) parts.push(` The reviewer answered: ${shown(a.response)}.`);
  if (a.edits && a.edits.length > 0) {
    const changes = a.edits.map((e) => `${e.path} from ${shown(e.before)} to ${shown(e.after)}`).join('; ');
    parts.push(` The reviewer changed ${changes} before approving: act on approved_content, not on what was asked.`);
  }
  return parts.join('');
}

/**
 * An approved request still revocable is claimed by the `started` receipt, which the server takes or
 * refuses atomically against a revoke: the agent is told so where it reads the outcome.
 */
export function revocableHint(outcome: string | null, approval: Pick<Approval, 'revocable_until' | 'execution'>): string {
  return outcome === 'approved' && approval.revocable_until && !approval.execution
    ? ` It may be revoked until ${approval.revocable_until}: call report_execution with status started before acting; if that says it was revoked, do not act.`
    : '';
}

/**
 * `request_approval`'s answer for a request as it stands: the request, its outcome (null while
 * pending) and how to wait. The same answer whether the call held nothing (a client without tasks,
 * `asMade`) or it is a task's result; an expired request is a failed task, so its result is an error.
 */
export function answerOfApproval(approval: ApprovalDetail, asMade = false): CallToolResult {
  const outcome = outcomeOfStatus(approval.status) ?? null;
  const again = `wait_for_decision with {"id": "${approval.id}"} answers the same`;
  const wait = {
    tool: 'wait_for_decision' as const,
    arguments: { id: approval.id },
    message: !outcome
      ? `Pending. Call wait_for_decision with {"id": "${approval.id}"} to wait for the decision.`
      : asMade
        ? `Decided as it was made: nothing to wait for (${again}).`
        : `Nothing more to wait for (${again}).`,
  };
  const structured = { approval, outcome, wait };
  const comment = !asMade && approval.decision_comment ? ` (${approval.decision_comment})` : '';
  const summary = `Approval request ${approval.id} is ${approval.status}${decidedBy(approval)}${comment}. ${wait.message}${answered(approval)}${revocableHint(outcome, approval)}`;
  return {
    structuredContent: structured as unknown as Record<string, unknown>,
    content: [{ type: 'text', text: `${summary}\n${JSON.stringify(structured)}` }],
    ...(outcome === 'expired' ? { isError: true } : {}),
  };
}
