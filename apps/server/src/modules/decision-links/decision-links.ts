/**
 * Decision links: what a link in an approval email may do (RFC 9110 §9.2.1: GET and HEAD are safe),
 * and what a push notification's Approve / Reject action carries (channels/webpush: POSTed by the
 * service worker, modules/webpush/decide.ts). A link is used only where its channel uses it.
 *
 * A link's token is 256 random bits; only its SHA-256 finds it. It is bound to one request, one
 * person and one decision, works once, and expires with its request (at most 7 days: channels/decision-link-tokens.ts). Reading a link (`describeLink`) changes nothing, whoever reads it. Using
 * it (`useLink`) is one transaction: the link is marked used and the person's vote goes through the
 * one decision path (core/approvals/state-machine.ts: four-eyes, steps, quorum, expiry, emergency stop); a
 * refused vote rolls the use back with it. The token authenticates this one vote and nothing else:
 * no session, no cookie that grants anything (the confirmation page's own cookie only ties its POST
 * to its render: confirmation-csrf.ts), no other request.
 *
 * What it does not cover: whoever holds the email holds the link (as with any emailed link); a
 * person removed from the org or made a viewer since is refused at use.
 */
import { ApiError } from '../../errors.ts';
import type { Database, Queryable } from '../../storage/database.ts';
import { APPROVAL_COLUMNS, toApproval, type ApprovalRow } from '../../core/approval-record.ts';
import { forViewer, type Viewer } from '../../core/approval-view.ts';
import { decide, type Decided, type DecideOptions, type VoteInput } from '../../core/approvals/index.ts';
import type { Caller } from '../../core/events.ts';
import { sha256Hex } from '../../security/tokens.ts';
import { closedOf, type Closed } from '../../core/approval-outcome.ts';
import type { LinkChannel } from '../../channels/decision-link-tokens.ts';

export type { Closed };

/** randomToken(): 32 bytes as base64url. Anything else is not a token, and is not looked up. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export type LinkDecision = 'approve' | 'reject';

export type { LinkChannel };

interface LinkRow {
  id: string;
  org_id: string;
  approval_id: string;
  user_id: string;
  decision: LinkDecision;
  channel: LinkChannel;
  expires_at: Date;
  used_at: Date | null;
}

/**
 * Every `approval` of a LinkState is the request as the link's holder may see it: the fields marked
 * sensitive masked unless they may see them (core/approval-view.ts), as in their email and on the
 * dashboard; masked for someone no longer an approver of the org.
 */
export type LinkState =
  | { kind: 'unknown' }
  /** The link was used: by this person, for this decision, at `used_at`. */
  | { kind: 'used'; link: LinkRow; approval: ApprovalRow; closed: Closed | null }
  /** The request was decided, cancelled or expired without this link. */
  | { kind: 'closed'; link: LinkRow; approval: ApprovalRow; closed: Closed }
  | { kind: 'expired'; link: LinkRow; approval: ApprovalRow }
  /**
   * The person already voted on this request (without steps) another way: the dashboard, the API.
   * With steps a person may be asked again at a later step; the vote itself says then.
   */
  | { kind: 'voted'; link: LinkRow; approval: ApprovalRow; vote: { decision: LinkDecision; at: Date } }
  | { kind: 'open'; link: LinkRow; approval: ApprovalRow };

/** A link of `channel` only: an emailed link is used on its confirmation page, a push's at its action's POST, neither at the other's. */
async function linkByToken(db: Queryable, token: string, channel: LinkChannel): Promise<LinkRow | null> {
  if (!TOKEN.test(token)) return null;
  const { rows } = await db.query<LinkRow>(
    'SELECT id, org_id, approval_id, user_id, decision, channel, expires_at, used_at FROM decision_links WHERE token_hash = $1 AND channel = $2',
    [sha256Hex(token), channel],
  );
  return rows[0] ?? null;
}

/** The request with what the link's holder may not see masked. */
async function asHolderSees(db: Queryable, link: LinkRow, a: ApprovalRow): Promise<ApprovalRow> {
  const { rows } = await db.query<{ role: 'admin' | 'approver'; see_sensitive: boolean }>(
    `SELECT role, see_sensitive FROM memberships WHERE org_id = $1 AND user_id = $2 AND role IN ('approver', 'admin')`,
    [link.org_id, link.user_id],
  );
  const viewer: Viewer | null = rows[0] ? { principal: { type: 'user', id: link.user_id }, user: rows[0] } : null;
  return { ...a, changes: forViewer(viewer, toApproval(a)).changes };
}

/** What a link stands for now. Reads only. */
export async function describeLink(db: Queryable, token: string, channel: LinkChannel = 'email'): Promise<LinkState> {
  const link = await linkByToken(db, token, channel);
  if (!link) return { kind: 'unknown' };
  const { rows } = await db.query<ApprovalRow>(`SELECT ${APPROVAL_COLUMNS} FROM approvals a WHERE a.id = $1`, [link.approval_id]);
  const row = rows[0];
  if (!row) return { kind: 'unknown' };
  const approval = await asHolderSees(db, link, row);
  const closed = await closedOf(db, approval);
  if (link.used_at) return { kind: 'used', link, approval, closed };
  if (closed) return { kind: 'closed', link, approval, closed };
  if (link.expires_at.getTime() <= Date.now()) return { kind: 'expired', link, approval };
  const { rows: votes } = await db.query<{ decision: LinkDecision; created_at: Date }>(
    `SELECT decision, created_at FROM approval_votes WHERE approval_id = $1 AND step_order = 0 AND voter_type = 'user' AND voter_id = $2`,
    [approval.id, link.user_id],
  );
  if (votes[0]) return { kind: 'voted', link, approval, vote: { decision: votes[0].decision, at: votes[0].created_at } };
  return { kind: 'open', link, approval };
}

export type UseResult =
  | { kind: 'decided'; decided: Decided }
  /** Nothing was done: the link is not (or no longer) usable; `state` says why. */
  | { kind: 'unusable'; state: LinkState }
  /** The vote was refused by the state machine (stop, expiry, four-eyes…); the link stays unused. */
  | { kind: 'refused'; error: ApiError; state: LinkState }
  /** The person is no longer a member who may approve in the request's org. */
  | { kind: 'not-allowed'; state: LinkState };

/**
 * Uses a link: marks it used and votes, in one transaction. The state machine's refusals are rolled
 * back and shown to the person; anything else is a failure, rethrown.
 */
export async function useLink(
  db: Database,
  token: string,
  input: {
    comment: string | null;
    notify: boolean;
    /** Where the token was sent (default email): a token of another channel is unknown here. */
    channel?: LinkChannel;
    /** The answer and edits an approving link's confirmation page gave (answer-form.ts); checked again by the decision itself. */
    response?: Record<string, unknown> | undefined;
    edits?: Record<string, unknown> | undefined;
    /** How the vote is cast in the link's transaction: the decision itself, or with a standing grant (modules/grants, castWithGrant). */
    cast?: (tx: Queryable, caller: Caller, approvalId: string, vote: VoteInput, options: DecideOptions) => Promise<Decided>;
  },
): Promise<UseResult> {
  const channel = input.channel ?? 'email';
  const link = await linkByToken(db, token, channel);
  if (!link) return { kind: 'unusable', state: { kind: 'unknown' } };
  const done = await db
    .transaction(async (tx): Promise<UseResult | null> => {
      const { rows: claimed } = await tx.query<LinkRow>(
        `UPDATE decision_links SET used_at = now() WHERE id = $1 AND used_at IS NULL AND expires_at > now()
          RETURNING id, org_id, approval_id, user_id, decision, channel, expires_at, used_at`,
        [link.id],
      );
      const l = claimed[0];
      if (!l) return null;
      const { rows: members } = await tx.query<{ role: 'admin' | 'approver' | 'viewer'; email: string; name: string | null }>(
        'SELECT m.role, u.email, u.name FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND m.user_id = $2',
        [l.org_id, l.user_id],
      );
      const m = members[0];
      if (!m || m.role === 'viewer') throw new NotAllowed();
      const caller: Caller = {
        org: { id: l.org_id },
        // As a dashboard session names the person (modules/users/session-auth.ts).
        principal: { type: 'user', id: l.user_id, name: m.name ?? m.email },
        user: { id: l.user_id, role: m.role },
      };
      const cast = input.cast ?? ((t, c, id, vote, options) => decide(t, c, id, vote, options));
      // An answer goes only with an approval: a reject link ignores whatever was posted with it.
      const answer = l.decision === 'approve' ? { ...(input.response && { response: input.response }), ...(input.edits && { edits: input.edits }) } : {};
      const decided = await cast(tx, caller, l.approval_id, { decision: l.decision, comment: input.comment ?? undefined, source: l.channel, ...answer }, { notify: input.notify });
      return { kind: 'decided', decided };
    })
    .catch(async (err: unknown): Promise<UseResult> => {
      if (err instanceof NotAllowed) return { kind: 'not-allowed', state: await describeLink(db, token, channel) };
      if (err instanceof ApiError) return { kind: 'refused', error: err, state: await describeLink(db, token, channel) };
      throw err;
    });
  return done ?? { kind: 'unusable', state: await describeLink(db, token, channel) };
}

class NotAllowed extends Error {}
