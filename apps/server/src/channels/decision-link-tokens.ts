/**
 * The tokens of decision links (modules/decision-links: what using one does), made by the channels
 * that carry them: an email's Approve / Reject links, a push notification's actions. 256 random bits
 * each, only their SHA-256 findable, bound to one request, one person and one decision.
 */
import type { Queryable } from '../storage/database.ts';
import { secretKeys } from '../security/sealed.ts';
import { randomToken, sha256Hex } from '../security/tokens.ts';

/** Where a link was sent: it is used only there, and its vote records it as its source. */
export type LinkChannel = 'email' | 'webpush';
type LinkDecision = 'approve' | 'reject';

/** A decision link lives as long as its request, and at most this long. */
export const DECISION_LINK_MAX_MS = 7 * 24 * 3600 * 1000;

/**
 * The approve and reject tokens of one message (an outbox row to one person: an email, a push to one
 * device), made at its first attempt and kept sealed, so a retry sends the same tokens; two claimers
 * racing both read the first one's. They expire with the request, and at most DECISION_LINK_MAX_MS
 * after they are made; the request's expiry is read in the statement that makes them, so a channel
 * may make them beside its read of the request (one wait for both). Null: the request is gone.
 */
export async function issueDecisionLinks(
  db: Queryable,
  msg: { id: string; org_id: string; recipient_user_id: string | null },
  approvalId: string,
  channel: LinkChannel,
): Promise<{ approve: string; reject: string; expiresAt: Date } | null> {
  const tokens = { approve: randomToken(), reject: randomToken() };
  const { rows: made } = await db.query<{ expires_at: Date }>(
    `INSERT INTO decision_links (token_hash, token_sealed, org_id, approval_id, user_id, decision, delivery_id, expires_at, channel)
     SELECT u.hash, u.sealed, a.org_id, a.id, $3, u.decision, $4, LEAST(a.expires_at, now() + $5::float8 * interval '1 millisecond'), $9
       FROM approvals a, unnest($6::text[], $7::text[], $8::text[]) AS u (decision, hash, sealed)
      WHERE a.id = $2 AND a.org_id = $1
     ON CONFLICT (delivery_id, decision) DO NOTHING
     RETURNING expires_at`,
    [
      msg.org_id,
      approvalId,
      msg.recipient_user_id,
      msg.id,
      DECISION_LINK_MAX_MS,
      ['approve', 'reject'],
      [sha256Hex(tokens.approve), sha256Hex(tokens.reject)],
      [secretKeys().seal(tokens.approve), secretKeys().seal(tokens.reject)],
      channel,
    ],
    { prepare: 'decision_links_issue' },
  );
  // Both made now (the first attempt): these are the links. Otherwise an earlier attempt, or a claimer
  // racing this one, made them first: send theirs, so that every copy carries the same links.
  if (made.length === 2) return { ...tokens, expiresAt: made[0]!.expires_at };
  const { rows } = await db.query<{ decision: LinkDecision; token_sealed: string; expires_at: Date }>(
    'SELECT decision, token_sealed, expires_at FROM decision_links WHERE delivery_id = $1',
    [msg.id],
    { prepare: 'decision_links_of' },
  );
  const sealed = (decision: LinkDecision) => rows.find((r) => r.decision === decision)?.token_sealed;
  const approve = sealed('approve');
  const reject = sealed('reject');
  // Neither made nor found: the request is gone (removed, or never of this org).
  if (approve === undefined || reject === undefined) return null;
  return { approve: secretKeys().open(approve), reject: secretKeys().open(reject), expiresAt: rows[0]!.expires_at };
}
