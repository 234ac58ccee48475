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
 * racing both read the first one's.
 */
export async function issueDecisionLinks(
  db: Queryable,
  msg: { id: string; org_id: string; recipient_user_id: string | null },
  a: { id: string; expires_at: Date | null },
  channel: LinkChannel,
): Promise<{ approve: string; reject: string; expiresAt: Date }> {
  const cap = Date.now() + DECISION_LINK_MAX_MS;
  const expiresAt = new Date(a.expires_at ? Math.min(a.expires_at.getTime(), cap) : cap);
  const tokens = { approve: randomToken(), reject: randomToken() };
  const { rows: made } = await db.query<{ expires_at: Date }>(
    `INSERT INTO decision_links (token_hash, token_sealed, org_id, approval_id, user_id, decision, delivery_id, expires_at, channel)
     SELECT u.hash, u.sealed, $1, $2, $3, u.decision, $4, $5, $9
       FROM unnest($6::text[], $7::text[], $8::text[]) AS u (decision, hash, sealed)
     ON CONFLICT (delivery_id, decision) DO NOTHING
     RETURNING expires_at`,
    [
      msg.org_id,
      a.id,
      msg.recipient_user_id,
      msg.id,
      expiresAt,
      ['approve', 'reject'],
      [sha256Hex(tokens.approve), sha256Hex(tokens.reject)],
      [secretKeys().seal(tokens.approve), secretKeys().seal(tokens.reject)],
      channel,
    ],
    { prepare: 'decision_links_make' },
  );
  // Both made now (the first attempt): these are the links. Otherwise an earlier attempt, or a claimer
  // racing this one, made them first: send theirs, so that every copy carries the same links.
  if (made.length === 2) return { ...tokens, expiresAt: made[0]!.expires_at };
  const { rows } = await db.query<{ decision: LinkDecision; token_sealed: string; expires_at: Date }>(
    'SELECT decision, token_sealed, expires_at FROM decision_links WHERE delivery_id = $1',
    [msg.id],
    { prepare: 'decision_links_of' },
  );
  const token = (decision: LinkDecision) => secretKeys().open(rows.find((r) => r.decision === decision)!.token_sealed);
  return { approve: token('approve'), reject: token('reject'), expiresAt: rows[0]!.expires_at };
}
