/**
 * The tokens of decision links (modules/decision-links: what using one does), made by the channels
 * that carry them: an email's Approve / Reject links, a push notification's actions. 256 random bits
 * each, only their SHA-256 findable, bound to one request, one person and one decision.
 */
import type { Queryable } from '../storage/database.ts';
import { IN_ORG } from '../core/approval-record.ts';
import { secretKeys } from '../security/sealed.ts';
import { madeAhead } from '../security/made-ahead.ts';
import { randomToken, sha256Hex } from '../security/tokens.ts';

/** Where a link was sent: it is used only there, and its vote records it as its source. */
export type LinkChannel = 'email' | 'webpush';
type LinkDecision = 'approve' | 'reject';

/** A decision link lives as long as its request, and at most this long. */
export const DECISION_LINK_MAX_MS = 7 * 24 * 3600 * 1000;

/** A message's approve and reject tokens, in the clear, and when they expire. */
export interface DecisionLinks {
  approve: string;
  reject: string;
  expiresAt: Date;
}

/**
 * A token in the clear with what is stored of it: its SHA-256 (found by) and its sealed copy (sent
 * again by a retry). Made ahead: a message's two are on the way from a create to its email. Enough for
 * a request that asks four people at once; more are made on the way.
 */
const newToken = madeAhead(8, (keys) => {
  const token = randomToken();
  return { token, hash: sha256Hex(token), sealed: keys.seal(token) };
});

/**
 * Makes the approve and reject tokens of each message (an outbox row to one person about request
 * `approvalId`) that has none yet: those made by this call, by message id. A message whose tokens an
 * earlier attempt made, or whose row is not there (a dedupe key already taken when the caller's
 * transaction queued it), gets none here. The request's expiry is read in the statement that makes
 * them, so a channel may make them beside its read of the request (one wait for both), and in the
 * transaction that queues the messages, right behind their insert.
 */
export async function makeDecisionLinks(
  db: Queryable,
  orgId: string,
  approvalId: string,
  channel: LinkChannel,
  messages: readonly { id: string; recipient_user_id: string | null }[],
): Promise<Map<string, DecisionLinks>> {
  const tokens = messages.map(() => ({ approve: newToken(), reject: newToken() }));
  const each = <T>(f: (t: (typeof tokens)[number], decision: LinkDecision) => T) => tokens.flatMap((t) => [f(t, 'approve'), f(t, 'reject')]);
  const { rows: made } = await db.query<{ delivery_id: string; decision: LinkDecision; expires_at: Date }>(
    `INSERT INTO decision_links (token_hash, token_sealed, org_id, approval_id, user_id, decision, delivery_id, expires_at, channel)
     SELECT u.hash, u.sealed, a.org_id, a.id, u.user_id, u.decision, u.delivery_id, LEAST(a.expires_at, now() + $3::float8 * interval '1 millisecond'), $4
       FROM approvals a, unnest($5::uuid[], $6::uuid[], $7::text[], $8::text[], $9::text[]) AS u (delivery_id, user_id, decision, hash, sealed)
      WHERE ${IN_ORG('$2', '$1')}
        AND EXISTS (SELECT 1 FROM deliveries d WHERE d.id = u.delivery_id)
     ON CONFLICT (delivery_id, decision) DO NOTHING
     RETURNING delivery_id, decision, expires_at`,
    [
      orgId,
      approvalId,
      DECISION_LINK_MAX_MS,
      channel,
      messages.flatMap((m) => [m.id, m.id]),
      messages.flatMap((m) => [m.recipient_user_id, m.recipient_user_id]),
      each((_, d) => d),
      each((t, d) => t[d].hash),
      each((t, d) => t[d].sealed),
    ],
    // Its plan is the same for any values (the request by its key, the messages by theirs): planned once a connection.
    { prepare: 'decision_links_make', generic: true },
  );
  const links = new Map<string, DecisionLinks>();
  messages.forEach((m, i) => {
    const both = made.filter((r) => r.delivery_id === m.id);
    if (both.length === 2) links.set(m.id, { approve: tokens[i]!.approve.token, reject: tokens[i]!.reject.token, expiresAt: both[0]!.expires_at });
  });
  return links;
}

/**
 * The approve and reject tokens of one message (an outbox row to one person: an email, a push to one
 * device), made at its first attempt (or by the transaction that queued it: makeDecisionLinks) and
 * kept sealed, so a retry sends the same tokens; two claimers racing both read the first one's. They
 * expire with the request, and at most DECISION_LINK_MAX_MS after they are made. Null: the request is gone.
 */
export async function issueDecisionLinks(
  db: Queryable,
  msg: { id: string; org_id: string; recipient_user_id: string | null },
  approvalId: string,
  channel: LinkChannel,
): Promise<DecisionLinks | null> {
  const made = (await makeDecisionLinks(db, msg.org_id, approvalId, channel, [msg])).get(msg.id);
  // Both made now (the first attempt): these are the links. Otherwise an earlier attempt, or a claimer
  // racing this one, made them first: send theirs, so that every copy carries the same links.
  if (made) return made;
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
