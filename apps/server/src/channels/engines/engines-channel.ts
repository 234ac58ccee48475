/**
 * Durable engines: a request that named a resume target (`resume` on create; engine_resumes, sealed)
 * resumes it when it ends, once, through the outbox: its retries, its delivery log, the emergency
 * stop's hold (engine-calls.ts has each engine's call).
 *
 * - One row per request (dedupe key `engine_resume:<approval id>`), queued by the event that ends it
 *   (storage/functions/events_fan_out.sql); a request decided as it was created (a policy, a grant) is
 *   ended in the create's transaction, after its engine_resumes row, so it is queued the same way.
 * - What is sent is read when sent (EngineDecision): `approved` only for a request approved now, so an
 *   approval revoked while its resume was held by the emergency stop resumes the engine as rejected.
 * - The target and the engine's credentials are the row's org's only: the target is read by the row's
 *   request, and the credentials by the row's org; an engine the org no longer configures fails the row
 *   without a call.
 */
import { z } from 'zod';
import { Engine, EngineDecision, inngestEventId, ResumeTarget, STEP_FUNCTIONS_ERRORS, type Edit } from '@greenlight/contract';
import type { Queryable } from '../../storage/database.ts';
import { closedOf } from '../../core/approval-outcome.ts';
import { contentSha256, DECISION_COLUMNS, type ApprovalDecision } from '../../core/approval-record.ts';
import { secretKeys } from '../../security/sealed.ts';
import { apiVerdict, type Channel, type ChannelSpec, type Message } from '../../delivery/outbox/channel.ts';
import { answerTask, completeWaitpoint, sendInngestEvent, type AwsCredentials, type EngineAnswer, type EngineConnection, type EngineUrls, type InngestEvent, type TaskAnswer } from './engine-calls.ts';
import { engineCredentialsOf } from './engine-credentials.ts';
import type { Config } from '../../config.ts';

export const ENGINES_CHANNEL = {
  name: 'engines',
  kinds: {
    /** The request's resume target resumed with its outcome. */
    resume: { payload: z.object({ engine: Engine }) },
  },
} as const satisfies ChannelSpec;

type Kinds = typeof ENGINES_CHANNEL.kinds;
type EngineRow = Message<Kinds>;

export type EngineCall =
  | { engine: 'trigger.dev'; secretKey: string; token: string; data: EngineDecision }
  | { engine: 'step-functions'; credentials: AwsCredentials; taskToken: string; answer: TaskAnswer }
  | { engine: 'inngest'; eventKey: string; event: InngestEvent };

interface ResumeRow extends ApprovalDecision {
  engine: string;
  target: string;
  approval_id: string;
  title: string;
  description: string;
  metadata: Record<string, unknown>;
  changes: { before: Record<string, unknown> | null; after: Record<string, unknown> | null } | null;
  /** The approving reviewer's edits: the digest is of the content as approved (docs/answers.md). */
  edits: Edit[];
}

async function resumeOf(db: Queryable, orgId: string, approvalId: string): Promise<ResumeRow | null> {
  const { rows } = await db.query<ResumeRow>(
    `SELECT r.engine, r.target, a.id AS approval_id, ${DECISION_COLUMNS}, a.title, a.description, a.metadata, a.changes, a.edits
       FROM engine_resumes r JOIN approvals a ON a.id = r.approval_id
      WHERE r.approval_id = $1 AND r.org_id = $2 AND a.org_id = $2`,
    [approvalId, orgId],
  );
  return rows[0] ?? null;
}

/** What the engine is resumed with: the request's outcome as it is now. */
export async function engineDecision(db: Queryable, r: ResumeRow, publicUrl: string): Promise<EngineDecision> {
  const closed = await closedOf(db, { ...r, id: r.approval_id });
  if (r.status === 'pending') throw new Error(`request ${r.approval_id} is still pending: nothing to resume with`);
  const status = r.status;
  const approved = status === 'approved';
  return {
    approval_id: r.approval_id,
    status,
    approved,
    revoked: r.revoked_at !== null,
    decided_by: closed?.by ?? null,
    comment: r.decision_comment,
    ended_at: closed?.at ? closed.at.toISOString() : null,
    approved_content_sha256: approved ? contentSha256(r, r.edits) : null,
    url: `${publicUrl}/requests/${r.approval_id}`,
  };
}

/** Step Functions: an approval is the task's success (its output the decision); any other end is its failure, the decision as the cause. */
export function taskAnswer(d: EngineDecision): TaskAnswer {
  if (d.approved) return { success: { output: JSON.stringify(d) } };
  // `approved` without `approved: true` cannot be built (engineDecision); were it ever, it fails the task (fail closed).
  const status = d.status === 'approved' ? 'rejected' : d.status;
  return { failure: { error: STEP_FUNCTIONS_ERRORS[status], cause: JSON.stringify(d) } };
}

export interface EnginesChannelDeps {
  publicUrl: string;
  urls: Pick<Config, EngineUrls>;
  timeoutMs: number;
}

export function enginesChannel(deps: EnginesChannelDeps): Channel<Kinds, EngineCall, EngineAnswer> {
  const conn: EngineConnection = {
    GREENLIGHT_TRIGGER_DEV_API_URL: deps.urls.GREENLIGHT_TRIGGER_DEV_API_URL,
    GREENLIGHT_INNGEST_EVENT_API_URL: deps.urls.GREENLIGHT_INNGEST_EVENT_API_URL,
    GREENLIGHT_STEP_FUNCTIONS_ENDPOINT: deps.urls.GREENLIGHT_STEP_FUNCTIONS_ENDPOINT,
    timeoutMs: deps.timeoutMs,
  };
  return {
    spec: ENGINES_CHANNEL,

    async prepare(ctx, row: EngineRow) {
      if (row.approval_id === null) return { skip: { status: 'failed', reason: 'an engine resume names no request' } };
      const r = await resumeOf(ctx.db, row.org_id, row.approval_id);
      if (!r) return { skip: { status: 'gone', reason: 'request removed' } };
      if (r.status === 'pending') return { skip: { status: 'failed', reason: 'the request is still pending' } };
      const parsed = ResumeTarget.safeParse(JSON.parse(secretKeys().open(r.target)));
      // Fail closed: a target that does not read back as written is never guessed at.
      if (!parsed.success || parsed.data.engine !== r.engine || parsed.data.engine !== row.payload.engine) {
        return { skip: { status: 'failed', reason: 'the resume target cannot be read' } };
      }
      const target = parsed.data;
      const creds = await engineCredentialsOf(ctx.db, row.org_id);
      const notConfigured = (name: string) => ({ skip: { status: 'failed' as const, reason: `${name} is not configured for the organization` } });
      const decision = await engineDecision(ctx.db, r, deps.publicUrl);
      switch (target.engine) {
        case 'trigger.dev':
          if (!creds.triggerDev) return notConfigured('Trigger.dev');
          return { send: { engine: 'trigger.dev', secretKey: creds.triggerDev.secretKey, token: target.token, data: decision } };
        case 'step-functions':
          if (!creds.stepFunctions) return notConfigured('AWS Step Functions');
          return { send: { engine: 'step-functions', credentials: creds.stepFunctions, taskToken: target.task_token, answer: taskAnswer(decision) } };
        case 'inngest':
          if (!creds.inngest) return notConfigured('Inngest');
          return {
            send: {
              engine: 'inngest',
              eventKey: creds.inngest.eventKey,
              // The same event on every attempt: its id lets Inngest drop a repeat, its ts is when the request ended.
              event: {
                name: target.event,
                id: inngestEventId(r.approval_id),
                data: { ...target.data, ...decision },
                ts: decision.ended_at ? Date.parse(decision.ended_at) : Date.now(),
              },
            },
          };
      }
    },

    async send(_ctx, _row, m) {
      switch (m.engine) {
        case 'trigger.dev':
          return completeWaitpoint(conn, m.secretKey, m.token, m.data);
        case 'step-functions':
          return answerTask(conn, m.credentials, m.taskToken, m.answer);
        case 'inngest':
          return sendInngestEvent(conn, m.eventKey, m.event);
      }
    },

    meaning: apiVerdict,

    describe(row) {
      return { target: 'engine', url: `engine:${row.payload.engine}:${row.approval_id ?? ''}` };
    },
  };
}
