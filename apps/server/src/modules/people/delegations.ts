import type { Delegation, SetDelegationBody } from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
import { ApiError, notFound } from '../../errors.ts';
import { recordAudit, type AuditActor } from '../../core/audit.ts';

const UTC = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * A member's delegation in the API shape, unless it has ended. `active` asks the one rule
 * (greenlight_stand_in) whether assignments go to the delegate now, so the answer never disagrees
 * with who is asked.
 */
const DELEGATION_SELECT = `
  SELECT json_build_object('id', d.user_id, 'name', coalesce(u.name, u.email)) AS "user",
         json_build_object('id', d.delegate_id, 'name', coalesce(du.name, du.email)) AS delegate,
         ${UTC('d.starts_at')} AS starts_at, ${UTC('d.ends_at')} AS ends_at, ${UTC('d.created_at')} AS created_at,
         greenlight_stand_in(d.org_id, d.user_id) = d.delegate_id AS active
    FROM delegations d JOIN users u ON u.id = d.user_id JOIN users du ON du.id = d.delegate_id
   WHERE d.org_id = $1 AND d.user_id = $2 AND d.ends_at > now()`;

export async function getDelegation(db: Queryable, orgId: string, userId: string): Promise<Delegation | null> {
  return (await db.query<Delegation>(DELEGATION_SELECT, [orgId, userId])).rows[0] ?? null;
}

const invalid = (path: string, message: string) =>
  new ApiError('VALIDATION_ERROR', `${path}: ${message}`, { location: 'body', issues: [{ path, code: 'custom', message }] });

/** The member a delegation is for must be one of the org; another org's person looks unknown (404). */
async function assertMember(tx: Queryable, orgId: string, userId: string): Promise<void> {
  const { rows } = await tx.query('SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
  if (rows.length === 0) throw notFound('member');
}

/**
 * Sets (replaces) a member's out-of-office delegation, in one transaction with its audit entry. The
 * delegate must be another member who may decide; one who is away during the window would not take
 * it on (one hop), so that is refused too, saying until when they are away.
 */
export async function setDelegation(db: Database, orgId: string, userId: string, body: SetDelegationBody, actor: AuditActor): Promise<Delegation> {
  return db.transaction(async (tx) => {
    await assertMember(tx, orgId, userId);
    // Delegations of one org change one at a time, so two people cannot hand to each other at once unseen.
    await tx.query('SELECT 1 FROM orgs WHERE id = $1 FOR UPDATE', [orgId]);
    if (body.delegate_id === userId) throw invalid('delegate_id', 'you cannot be your own delegate: choose another member');
    const { rows: delegate } = await tx.query<{ role: string }>('SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2', [orgId, body.delegate_id]);
    if (!delegate[0]) throw invalid('delegate_id', `user ${body.delegate_id} is not a member of this organization`);
    if (delegate[0].role === 'viewer') throw invalid('delegate_id', 'the delegate is a viewer and cannot decide: choose an approver or admin');
    // Without a start the window opens at the database's now, the clock `active` and who-is-asked read:
    // this process's clock is ahead of the transaction's now, and a start taken from it would not have
    // begun yet when the answer is read in the same transaction.
    const startsAt = body.starts_at ?? null;
    const { rows: away } = await tx.query<{ ends_at: string }>(
      `SELECT ${UTC('d.ends_at')} AS ends_at FROM delegations d
        WHERE d.org_id = $1 AND d.user_id = $2 AND d.starts_at < $4::timestamptz AND d.ends_at > coalesce($3::timestamptz, now())`,
      [orgId, body.delegate_id, startsAt, body.ends_at],
    );
    if (away[0]) throw invalid('delegate_id', `the delegate is away themselves until ${away[0].ends_at} (delegations do not chain): choose someone else`);
    await tx.query(
      `INSERT INTO delegations (org_id, user_id, delegate_id, starts_at, ends_at) VALUES ($1, $2, $3, coalesce($4::timestamptz, now()), $5)
       ON CONFLICT (org_id, user_id) DO UPDATE SET delegate_id = EXCLUDED.delegate_id, starts_at = EXCLUDED.starts_at,
                                                 ends_at = EXCLUDED.ends_at, created_at = now()`,
      [orgId, userId, body.delegate_id, startsAt, body.ends_at],
    );
    const delegation = (await getDelegation(tx, orgId, userId))!;
    await recordAudit(tx, {
      orgId,
      actor,
      type: 'delegation.set',
      target: { type: 'user', id: userId },
      details: { delegate_id: body.delegate_id, starts_at: delegation.starts_at, ends_at: delegation.ends_at },
    });
    return delegation;
  });
}

/** Ends a member's delegation (what asked the delegate for them asks them again); audited when there was one. */
export async function removeDelegation(db: Database, orgId: string, userId: string, actor: AuditActor): Promise<void> {
  await db.transaction(async (tx) => {
    await assertMember(tx, orgId, userId);
    const { rows } = await tx.query<{ delegate_id: string }>('DELETE FROM delegations WHERE org_id = $1 AND user_id = $2 RETURNING delegate_id', [orgId, userId]);
    if (rows[0]) {
      await recordAudit(tx, { orgId, actor, type: 'delegation.removed', target: { type: 'user', id: userId }, details: { delegate_id: rows[0].delegate_id } });
    }
  });
}
