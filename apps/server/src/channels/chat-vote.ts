/**
 * A vote cast by a button of a chat channel (Slack, Telegram, Discord, Teams), as the member behind the account:
 * through the one decision path (core/approvals: four-eyes, steps, quorum, expiry, emergency stop),
 * with the channel recorded as the vote's source. A refusal comes back with the API's reason, for the
 * channel to tell the clicking person alone; a request the org's step-up setting covers is never decided
 * here (no chat account is a passkey-confirmed session): the answer links to its page on the dashboard.
 * An approve without an answer of a request that needs one (chat-answers.ts) is refused here, before
 * the decision path: a one-tap button never approves what asks the reviewer for input.
 */
import type { Config } from '../config.ts';
import type { Database, Queryable } from '../storage/database.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Caller } from '../core/events.ts';
import { decide, type Decided, type DecideOptions, type VoteInput } from '../core/approvals/index.ts';
import { ApiError } from '../errors.ts';
import { countDecisions } from '../metrics/count-decisions.ts';
import type { Answer, Edits } from '@greenlight/contract';
import { answerNeededRefusal, needsAnswer, type AnswerAsked } from './chat-answers.ts';

export type ChatVoteResult =
  | { ok: true; message: string | null }
  /** `details`: the refusal's details as the API gives them (an invalid answer names its fields there). */
  | { ok: false; message: string; code?: string; details?: Record<string, unknown> };

/** What a chat's form gave with an approve: the answer and the edits, checked by the decision path. */
export interface ChatAnswer {
  response?: Answer;
  edits?: Edits;
}

/** How the vote is cast: the decision transition itself, or one that also gives a standing grant (modules/grants, voteWithGrant). */
export type CastVote = (caller: Caller, approvalId: string, vote: VoteInput, options: DecideOptions) => Promise<Decided>;

export async function chatVote(
  deps: { db: Database; config: Pick<Config, 'mail' | 'publicUrl'>; metrics?: Metrics },
  source: 'slack' | 'telegram' | 'discord' | 'msteams',
  caller: Caller,
  approvalId: string,
  decision: 'approve' | 'reject',
  comment: string | null,
  cast: CastVote = (c, id, vote, options) => decide(deps.db, c, id, vote, options),
  answer: ChatAnswer | null = null,
): Promise<ChatVoteResult> {
  if (decision === 'approve' && answer === null) {
    const { rows } = await deps.db.query<AnswerAsked>('SELECT response_schema, editable FROM approvals WHERE id = $1 AND org_id = $2', [approvalId, caller.org.id]);
    if (rows[0] && needsAnswer(rows[0])) return { ok: false, message: answerNeededRefusal(deps.config.publicUrl, approvalId), code: 'ANSWER_NEEDED' };
  }
  try {
    const vote: VoteInput = { decision, comment: comment ?? undefined, source, ...(answer?.response !== undefined && { response: answer.response }), ...(answer?.edits !== undefined && { edits: answer.edits }) };
    const decided = await cast(caller, approvalId, vote, { notify: deps.config.mail !== null });
    countDecisions(deps.metrics, decided.events);
    const a = decided.approval;
    if (a.status === 'pending') {
      return { ok: true, message: `Your ${decision === 'approve' ? 'approval' : 'rejection'} is recorded. The request still waits for others (${a.current_approvals} of ${a.required_approvals}).` };
    }
    return { ok: true, message: null };
  } catch (err) {
    // A chat account is no passkey-confirmed session: the person decides on the request's page instead
    // (short: a Telegram callback answer holds 200 characters).
    if (err instanceof ApiError && err.code === 'STEP_UP_REQUIRED') {
      return { ok: false, message: `Nothing was decided: this needs your passkey. Open it in Greenlight to confirm and decide: ${deps.config.publicUrl}/requests/${approvalId}` };
    }
    if (err instanceof ApiError) return { ok: false, message: `Nothing was decided: ${err.message}.`, code: err.code, ...(err.details && { details: err.details }) };
    throw err;
  }
}

/** The caller a linked member acts as, as a dashboard session names the person (modules/users/session-auth.ts). */
export function memberCaller(orgId: string, m: { id: string; email: string; name: string | null; role: 'admin' | 'approver' | 'viewer' }): Caller {
  return { org: { id: orgId }, principal: { type: 'user', id: m.id, name: m.name ?? m.email }, user: { id: m.id, role: m.role } };
}

export const VIEWER_REFUSAL = 'You are a viewer in this Greenlight organization: viewers cannot approve or reject requests.';

/** What a click (or a chat form) comes to, told to the clicking person alone. */
export type ClickOutcome = { decided: boolean; text: string; approvalId: string | null };

export const refusedClick = (text: string, approvalId: string | null = null): ClickOutcome => ({ decided: false, text, approvalId });

/** A member of the org as a linked chat account acts. */
export type LinkedMember = { id: string; email: string; name: string | null; role: 'admin' | 'approver' | 'viewer' };

/** The chats whose people act through an account linked in `<chat>_links` and click tokens kept in `<chat>_buttons`. */
export type LinkingChat = 'telegram' | 'discord' | 'msteams';

/**
 * The member behind a chat account linked in the org, or null: no link, or the person is no longer a
 * member. The tables' names come from the chat's own name, never from input.
 */
export async function linkedMember(db: Queryable, chat: LinkingChat, orgId: string, chatUserId: string | number): Promise<LinkedMember | null> {
  const { rows } = await db.query<Omit<LinkedMember, 'role'> & { role: LinkedMember['role'] | null }>(
    `SELECT u.id, u.email, u.name, m.role FROM ${chat}_links l JOIN users u ON u.id = l.user_id
       LEFT JOIN memberships m ON m.org_id = l.org_id AND m.user_id = l.user_id
      WHERE l.org_id = $1 AND l.${chat}_user_id = $2`,
    [orgId, chatUserId],
  );
  const m = rows[0];
  return m && m.role !== null ? { ...m, role: m.role } : null;
}

/** A button token as kept: the request, the decision and (in a message to one person) that person. */
export type ChatButton = { approval_id: string; user_id: string | null; decision: 'approve' | 'reject' | 'comment' };

/** A button token of the org's, found by its SHA-256. */
export async function chatButton(db: Queryable, chat: LinkingChat, orgId: string, tokenHash: string): Promise<ChatButton | null> {
  const { rows } = await db.query<ChatButton>(
    `SELECT approval_id, user_id, decision FROM ${chat}_buttons WHERE token_hash = $1 AND org_id = $2`,
    [tokenHash, orgId],
  );
  return rows[0] ?? null;
}
