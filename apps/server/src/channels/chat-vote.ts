/**
 * A vote cast by a button of a chat channel (Slack, Telegram, Discord, Teams), as the member behind the account:
 * through the one decision path (core/approvals: four-eyes, steps, quorum, expiry, emergency stop),
 * with the channel recorded as the vote's source. A refusal comes back with the API's reason, for the
 * channel to tell the clicking person alone; a request the org's step-up setting covers is never decided
 * here (no chat account is a passkey-confirmed session): the answer links to its page on the dashboard.
 */
import type { Config } from '../config.ts';
import type { Database } from '../storage/database.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Caller } from '../core/events.ts';
import { decide, type Decided, type DecideOptions, type VoteInput } from '../core/approvals/index.ts';
import { ApiError } from '../errors.ts';
import { countDecisions } from '../metrics/count-decisions.ts';

export type ChatVoteResult = { ok: true; message: string | null } | { ok: false; message: string };

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
): Promise<ChatVoteResult> {
  try {
    const decided = await cast(caller, approvalId, { decision, comment: comment ?? undefined, source }, { notify: deps.config.mail !== null });
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
    if (err instanceof ApiError) return { ok: false, message: `Nothing was decided: ${err.message}.` };
    throw err;
  }
}

/** The caller a linked member acts as, as a dashboard session names the person (modules/users/session-auth.ts). */
export function memberCaller(orgId: string, m: { id: string; email: string; name: string | null; role: 'admin' | 'approver' | 'viewer' }): Caller {
  return { org: { id: orgId }, principal: { type: 'user', id: m.id, name: m.name ?? m.email }, user: { id: m.id, role: m.role } };
}

export const VIEWER_REFUSAL = 'You are a viewer in this Greenlight organization: viewers cannot approve or reject requests.';
