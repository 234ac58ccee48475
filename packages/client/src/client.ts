import { randomUUID } from 'node:crypto';
import { WAIT_TIMEOUT } from '@greenlight/contract';
import { outcomeOfStatus, type DecisionOutcome, type WaitOutcome } from '@greenlight/triggers';
import { ContractMismatchError, DecisionTimeoutError, isTransient, NotFoundError } from './errors.ts';
import { pause } from './pause.ts';
import { Transport, type ClientOptions } from './transport.ts';
import type {
  Approval,
  BodyOf,
  CallOptions,
  Delivery,
  ListApprovalsQuery,
  OperationId,
  QueryOf,
  RequestInput,
  ResponseOf,
  WaitResult,
} from './types.ts';

type Opts = Omit<CallOptions, 'idempotencyKey'>;

export interface WaitForDecisionOptions {
  /** Overall limit in seconds (default 300). Each long poll lasts at most 60 s of it. */
  timeout?: number;
  signal?: AbortSignal;
  /**
   * Keep waiting through what a server restart or a dropped connection looks like (no response, a
   * 5xx, a 429) once the transport's own retries are spent: reconnect with backoff (up to
   * `RECONNECT_MAX_DELAY_MS` apart) until `timeout`. Without it such an error ends the wait. Waiting
   * changes nothing on the server, so asking again is always safe.
   */
  reconnect?: boolean;
  /** Told before each reconnection attempt's pause (to say so to a person). */
  onReconnect?: (info: { error: Error; attempt: number; delayMs: number }) => void;
  /** Told when the server answers again after reconnection attempts. */
  onReconnected?: () => void;
  /**
   * An approval whose request has a revoke window (`revocable_until` still ahead) can become a
   * rejection until the window closes or an execution is reported. `'wait'`: the wait goes on
   * through the window, answering `rejected` as soon as the approval is revoked and `approved` once a
   * read after the window's end still finds it approved; this part is not bounded by `timeout` (which
   * is about a person deciding), since the requester chose the window's length. `'return'` (default):
   * the approval is answered at once, and a caller about to act reports execution `started` first,
   * which closes the window (a 409 with `reason: "revoked"` means the revoke came first).
   */
  revokeWindow?: 'return' | 'wait';
  /** Told once, when a wait with `revokeWindow: 'wait'` starts waiting out an approval's window. */
  onRevokeWindow?: (info: { until: string }) => void;
}

/** The longest pause between two reconnection attempts of a wait: a restarted server is noticed within it. */
export const RECONNECT_MAX_DELAY_MS = 10_000;

/**
 * How long after a revoke window's end (by this machine's clock) an approval is read as final: room
 * for this clock to run ahead of the server's, which decides whether a revoke is still in time.
 */
export const REVOKE_WINDOW_MARGIN_MS = 2_000;
/** How often a request inside its revoke window is read again: a revoke ends the wait within it. */
export const REVOKE_WINDOW_POLL_MS = 5_000;

/** One long poll's answer, with what it means: a final outcome, `timed_out` (still pending), or null. */
export type WaitAnswer = WaitResult & { outcome: WaitOutcome | null };

/** How a wait ended: `timed_out` only when the wait's own limit passed with the request still pending. */
export type WaitOutcomeResult =
  | { outcome: DecisionOutcome; approval: WaitResult }
  | { outcome: 'timed_out'; approval: WaitResult };

/** A decided request, with its outcome (`approved` only for status `approved`). */
export type Decided = WaitResult & { outcome: DecisionOutcome };

/**
 * What one long poll's answer means. Only a final status is a decision (through the shared rule of
 * `@greenlight/triggers`); `pending` at the server's timeout is `timed_out`; `pending` otherwise is
 * nothing yet.
 */
function outcomeOfAnswer(result: WaitResult): WaitOutcome | null {
  const outcome = outcomeOfStatus(result.status);
  if (outcome) return outcome;
  return result.status === 'pending' && result.timed_out ? 'timed_out' : null;
}

/**
 * The Greenlight API. Every operation of the contract is reachable through `request()`; the
 * resource methods below are the same calls with friendlier arguments.
 *
 * ```ts
 * const gl = new Greenlight({ baseUrl: 'https://greenlight.example.com', apiKey: process.env.GREENLIGHT_API_KEY! });
 * const req = await gl.approvals.create({ title: 'Deploy v2', description: 'Friday deploy', priority: 'high' });
 * const decided = await gl.approvals.waitForDecision(req.id, { timeout: 600 });
 * ```
 */
export class Greenlight {
  private readonly transport: Transport;

  constructor(options: ClientOptions) {
    this.transport = new Transport(options);
  }

  /** Any operation of the contract by its operationId, typed from the generated OpenAPI types. */
  request<K extends OperationId>(operationId: K, input: RequestInput<K>): Promise<ResponseOf<K>> {
    return this.transport.request(operationId, input);
  }

  me(options: Opts = {}) {
    return this.request('getMe', { ...options });
  }

  readonly approvals = {
    /**
     * Creates a request. Without an idempotency key (argument, or `idempotency_key` in the body)
     * one is generated, so the automatic retries of this call can never create a duplicate.
     */
    create: (body: BodyOf<'createApproval'>, options: CallOptions = {}) =>
      this.request('createApproval', { body, ...options, idempotencyKey: options.idempotencyKey ?? body.idempotency_key ?? randomUUID() }),
    get: (id: string, options: Opts = {}) => this.request('getApproval', { params: { id }, ...options }),
    /** One page. */
    list: (query: ListApprovalsQuery = {}, options: Opts = {}) => this.request('listApprovals', { query, ...options }),
    /** Every page, following `next_page_token`. */
    pages: (query: ListApprovalsQuery = {}, options: Opts = {}) => this.pages(query, options),
    /** Every request matching the query, across all pages: `for await (const a of gl.approvals.all({status: 'pending'}))`. */
    all: (query: ListApprovalsQuery = {}, options: Opts = {}) => this.all(query, options),
    findByExternalId: async (externalId: string, options: Opts = {}): Promise<Approval | null> => {
      const page = await this.request('listApprovals', { query: { external_id: externalId, page_size: 1 }, ...options });
      return page.data[0] ?? null;
    },
    /** The request created with this idempotency key, however old (an exact lookup, not a scan); null when none. */
    findByIdempotencyKey: async (key: string, options: Opts = {}): Promise<Approval | null> => {
      const page = await this.request('listApprovals', { query: { idempotency_key: key, page_size: 1 }, ...options });
      return page.data[0] ?? null;
    },
    decide: (id: string, body: BodyOf<'decideApproval'>, options: Opts = {}) => this.request('decideApproval', { params: { id }, body, ...options }),
    approve: (id: string, comment?: string, options: Opts = {}) =>
      this.request('decideApproval', { params: { id }, body: { decision: 'approve', ...(comment ? { comment } : {}) }, ...options }),
    reject: (id: string, comment?: string, options: Opts = {}) =>
      this.request('decideApproval', { params: { id }, body: { decision: 'reject', ...(comment ? { comment } : {}) }, ...options }),
    /**
     * One decision on up to 50 requests, each decided on its own under the rules of `decide`: answers one
     * result per distinct id, `recorded` (with the request after the vote) or `refused` (with the error
     * a single decision would have raised). Refusals are results, not exceptions.
     */
    batchDecide: (ids: readonly string[], decision: BodyOf<'batchDecideApprovals'>['decision'], extra: Omit<BodyOf<'batchDecideApprovals'>, 'ids' | 'decision'> = {}, options: Opts = {}) =>
      this.request('batchDecideApprovals', { body: { ...extra, ids: [...ids], decision }, ...options }),
    cancel: (id: string, options: Opts = {}) => this.request('cancelApproval', { params: { id }, ...options }),
    events: (id: string, options: Opts = {}) => this.request('listApprovalEvents', { params: { id }, ...options }),
    /** The execution receipt of an approved request: `started`, then `succeeded` or `failed`. */
    reportExecution: (id: string, body: BodyOf<'reportExecution'>, options: Opts = {}) =>
      this.request('reportExecution', { params: { id }, body, ...options }),
    /**
     * Rescinds an approval within its revoke window (`revocable_for_seconds` on create), as an approver
     * who approved it or an admin; the request becomes `rejected` with `revoked_at` set.
     */
    revoke: (id: string, reason?: string, options: Opts = {}) =>
      this.request('revokeApproval', { params: { id }, body: reason === undefined ? {} : { reason }, ...options }),
    /**
     * One long poll: answers when the request leaves `pending`, or after `timeout` seconds with
     * `timed_out: true`; `outcome` says which (a final outcome, `timed_out`, or null).
     */
    wait: async (id: string, timeout: number = WAIT_TIMEOUT.default, options: Opts = {}): Promise<WaitAnswer> => {
      const result = await this.request('waitForApproval', {
        params: { id },
        query: { timeout },
        ...options,
        // The server holds the request for up to `timeout` seconds.
        timeoutMs: options.timeoutMs ?? (timeout + 15) * 1000,
      });
      return { ...result, outcome: outcomeOfAnswer(result) };
    },
    /** Waits until the request is decided; throws DecisionTimeoutError (outcome `timed_out`) when `timeout` passes first. */
    waitForDecision: (id: string, options: WaitForDecisionOptions = {}) => this.waitForDecision(id, options),
    /** Waits until the request is decided or `timeout` passes, and answers which, without throwing on the timeout. */
    waitForOutcome: (id: string, options: WaitForDecisionOptions = {}) => this.waitForOutcome(id, options),
  };

  readonly comments = {
    create: (approvalId: string, body: BodyOf<'createComment'>, options: Opts = {}) =>
      this.request('createComment', { params: { id: approvalId }, body, ...options }),
    list: (approvalId: string, options: Opts = {}) => this.request('listComments', { params: { id: approvalId }, ...options }),
  };

  readonly steps = {
    list: (approvalId: string, options: Opts = {}) => this.request('listSteps', { params: { id: approvalId }, ...options }),
    configure: (approvalId: string, body: BodyOf<'configureSteps'>, options: Opts = {}) =>
      this.request('configureSteps', { params: { id: approvalId }, body, ...options }),
    vote: (approvalId: string, stepId: string, body: BodyOf<'voteStep'>, options: Opts = {}) =>
      this.request('voteStep', { params: { id: approvalId, stepId }, body, ...options }),
  };

  readonly webhooks = {
    /** Subscribe (REST hook). Keep the answer's `id` to unsubscribe and its `secret` to verify deliveries. */
    create: (body: BodyOf<'createWebhook'>, options: Opts = {}) => this.request('createWebhook', { body, ...options }),
    list: (options: Opts = {}) => this.request('listWebhooks', { ...options }),
    get: (id: string, options: Opts = {}) => this.request('getWebhook', { params: { id }, ...options }),
    delete: (id: string, options: Opts = {}) => this.request('deleteWebhook', { params: { id }, ...options }),
    /** Unsubscribe; a subscription that is already gone (404) counts as success. Answers whether it existed. */
    unsubscribe: async (id: string, options: Opts = {}): Promise<boolean> => {
      try {
        await this.request('deleteWebhook', { params: { id }, ...options });
        return true;
      } catch (err) {
        if (err instanceof NotFoundError) return false;
        throw err;
      }
    },
    rotateSecret: (id: string, options: Opts = {}) => this.request('rotateWebhookSecret', { params: { id }, ...options }),
    callbackSecret: (options: Opts = {}) => this.request('getCallbackSecret', { ...options }),
    rotateCallbackSecret: (options: Opts = {}) => this.request('rotateCallbackSecret', { ...options }),
  };

  readonly deliveries = {
    list: (query: QueryOf<'listDeliveries'> = {}, options: Opts = {}) => this.request('listDeliveries', { query, ...options }),
    /** Every delivery matching the query, across all pages. */
    all: (query: QueryOf<'listDeliveries'> = {}, options: Opts = {}) => this.allDeliveries(query, options),
    redeliver: (id: string, options: Opts = {}) => this.request('redeliverDelivery', { params: { id }, ...options }),
  };

  private async *pages(query: ListApprovalsQuery, options: Opts) {
    // The first page by page number drops `page`; every later one follows the keyset cursor.
    const { page_token: first, ...rest } = query;
    let token: string | undefined = first;
    do {
      const page = await this.request('listApprovals', { query: token ? { ...rest, page_token: token } : rest, ...options });
      yield page;
      token = page.next_page_token ?? undefined;
    } while (token);
  }

  private async *all(query: ListApprovalsQuery, options: Opts) {
    for await (const page of this.pages(query, options)) yield* page.data;
  }

  private async *allDeliveries(query: QueryOf<'listDeliveries'>, options: Opts): AsyncGenerator<Delivery> {
    for (let page = query.page ?? 1; ; page++) {
      const res = await this.request('listDeliveries', { query: { ...query, page }, ...options });
      yield* res.data;
      if (page >= res.pagination.total_pages) return;
    }
  }

  /**
   * Long-polls until the request leaves `pending` or `timeout` seconds pass. A status that is neither
   * pending nor a final outcome is a ContractMismatchError, never a decision.
   */
  private async waitForOutcome(id: string, options: WaitForDecisionOptions): Promise<WaitOutcomeResult> {
    const deadline = Date.now() + (options.timeout ?? 300) * 1000;
    let lastSeen: WaitResult | undefined;
    let failures = 0;
    for (;;) {
      const remaining = Math.ceil((deadline - Date.now()) / 1000);
      // After a failure, a short poll first: the server being back is known (and told) at once, not
      // when a full long poll ends.
      const timeout = failures > 0 ? WAIT_TIMEOUT.min : Math.min(WAIT_TIMEOUT.max, Math.max(WAIT_TIMEOUT.min, remaining));
      let answer: WaitAnswer;
      try {
        answer = await this.approvals.wait(id, timeout, options.signal ? { signal: options.signal } : {});
        if (failures > 0) options.onReconnected?.();
        failures = 0;
      } catch (err) {
        if (!options.reconnect || !isTransient(err) || options.signal?.aborted) throw err;
        const left = deadline - Date.now();
        // Out of time while the server is away: the request as last seen, or the error when none was.
        if (left <= 0) {
          if (lastSeen) return { outcome: 'timed_out', approval: lastSeen };
          throw err;
        }
        const delayMs = Math.min(left, this.transport.backoff(failures, RECONNECT_MAX_DELAY_MS));
        options.onReconnect?.({ error: err as Error, attempt: ++failures, delayMs });
        await pause(delayMs, options.signal);
        continue;
      }
      const { outcome, ...approval } = answer;
      lastSeen = approval;
      if (outcome === 'approved' && options.revokeWindow === 'wait') return this.throughRevokeWindow(approval, deadline, options);
      if (outcome && outcome !== 'timed_out') return { outcome, approval };
      if (approval.status !== 'pending') {
        throw new ContractMismatchError(`approval request ${id} has status ${approval.status}, which is no outcome`, 'waitForApproval', 200, [{ path: ['status'], message: 'not a known final status' }], approval);
      }
      if (Date.now() >= deadline) return { outcome: 'timed_out', approval };
    }
  }

  /**
   * Waits out the revoke window of an approval (see `revokeWindow`): reads the request every few
   * seconds until it is revoked (answers `rejected`) or a read begun after the window's end finds it
   * still approved. A reported execution closes the window on the server, so it ends the wait too.
   * With `reconnect`, an unreachable server is asked again until the later of `deadline` and the
   * window's end; the approval is never answered as final without a read after the window.
   */
  private async throughRevokeWindow(approved: WaitResult, deadline: number, options: WaitForDecisionOptions): Promise<WaitOutcomeResult> {
    const opts = options.signal ? { signal: options.signal } : {};
    let approval = approved;
    let readAt = Date.now();
    let told = false;
    let failures = 0;
    for (;;) {
      const outcome = outcomeOfStatus(approval.status);
      if (outcome !== 'approved') {
        if (outcome) return { outcome, approval };
        throw new ContractMismatchError(`approval request ${approval.id} has status ${approval.status} after its approval`, 'getApproval', 200, [{ path: ['status'], message: 'not a known final status' }], approval);
      }
      const until = approval.revocable_until ? Date.parse(approval.revocable_until) : Number.NaN;
      const closesAt = until + REVOKE_WINDOW_MARGIN_MS;
      if (Number.isNaN(until) || approval.execution || readAt >= closesAt) return { outcome: 'approved', approval };
      if (!told) {
        options.onRevokeWindow?.({ until: approval.revocable_until! });
        told = true;
      }
      await pause(Math.max(0, Math.min(closesAt - Date.now(), REVOKE_WINDOW_POLL_MS)), options.signal);
      const started = Date.now();
      try {
        approval = { ...(await this.approvals.get(approval.id, opts)), timed_out: false };
        readAt = started;
        if (failures > 0) options.onReconnected?.();
        failures = 0;
      } catch (err) {
        if (!options.reconnect || !isTransient(err) || options.signal?.aborted || Date.now() >= Math.max(deadline, closesAt)) throw err;
        const delayMs = this.transport.backoff(failures, RECONNECT_MAX_DELAY_MS);
        options.onReconnect?.({ error: err as Error, attempt: ++failures, delayMs });
        await pause(delayMs, options.signal);
      }
    }
  }

  /** Long-polls until the request is decided and answers it with its outcome; DecisionTimeoutError when `timeout` passes first. */
  private async waitForDecision(id: string, options: WaitForDecisionOptions): Promise<Decided> {
    const result = await this.waitForOutcome(id, options);
    if (result.outcome === 'timed_out') throw new DecisionTimeoutError(id, result.approval);
    return { ...result.approval, outcome: result.outcome };
  }
}
