import type { Approval, CreateApprovalBody, Routes } from '@greenlight/contract';
import type { Handler } from '../../http/router.ts';
import { emergencyStop } from '../../http/router.ts';
import { ApiError } from '../../http/errors.ts';
import type { AuthContext } from '../../http/auth.ts';
import { constraintName, sqlState, type Database, type Queryable } from '../../storage/database.ts';
import { createBatcherOf, type CreateResult } from './create-batch.ts';
import { actorOf } from '../events/append-event.ts';
import { EVENTS_CHANNEL, notificationOf } from '../../events/event-bus.ts';
import { NOTIFY_DELIVERIES } from '../../delivery/outbox.ts';
import { APPROVAL_COLUMNS, approvalFromJson, toApproval, type ApprovalRow } from './serialize.ts';
import { idempotencyKeyOf, requestFingerprint } from './idempotency.ts';
import { assertDeliverableUrl } from '../webhooks/assert-target.ts';

type Replayed = { status: 200; body: Approval };

async function findByKey(db: Queryable, orgId: string, key: string) {
  const { rows } = await db.query<ApprovalRow & { request_fingerprint: string | null }>(
    `SELECT ${APPROVAL_COLUMNS}, a.request_fingerprint FROM approvals a WHERE a.org_id = $1 AND a.idempotency_key = $2`,
    [orgId, key],
  );
  return rows[0] ?? null;
}

/** The answer for a key already used in this org: the request as it is now, or a refusal if the bodies differ. */
function replay(existing: ApprovalRow & { request_fingerprint: string | null }, fingerprint: string): Replayed {
  if (existing.request_fingerprint !== fingerprint) {
    throw new ApiError('IDEMPOTENCY_KEY_REUSED', 'idempotency_key was already used with a different request body', {
      approval_id: existing.id,
    });
  }
  return { status: 200, body: toApproval(existing) };
}

/**
 * Writes the request and its `approval.created` event in one statement (`greenlight_create_approvals`,
 * migration 010, with the locking explained in 007), together with the other creates waiting at the
 * same moment (create-batch.ts), unless the org is stopped or the idempotency key is taken.
 */
function insert(db: Database, auth: AuthContext, body: CreateApprovalBody, key: string | null, fingerprint: string | null) {
  const actor = actorOf(auth);
  return createBatcherOf(db).create({
    org: auth.org.id,
    connection: auth.connection?.id ?? null,
    by_type: actor.type,
    by_id: actor.id,
    by_name: actor.name,
    title: body.title,
    description: body.description,
    priority: body.priority,
    action_type: body.action_type ?? null,
    source: body.source ?? null,
    metadata: body.metadata ?? {},
    required: body.required_approvals,
    sequential: body.is_sequential,
    callback_url: body.callback_url ?? null,
    callback_headers: body.callback_headers,
    external_id: body.external_id ?? null,
    key,
    fingerprint,
    tags: body.tags ?? {},
    changes: body.changes,
    resource: body.resource,
    expires_at: body.expires_at ?? null,
    event_data: { title: body.title, priority: body.priority },
    on_expiry: body.on_expiry,
  });
}

export const createApproval: Handler<Routes['createApproval']> = async ({ body, headers, auth, deps }) => {
  // SSRF guard at creation (delivery checks the target again at every attempt).
  if (body.callback_url !== undefined) await assertDeliverableUrl(body.callback_url, 'callback_url', deps.config);
  const key = idempotencyKeyOf(body, headers);
  const fingerprint = key === null ? null : requestFingerprint(body);

  if (body.expires_at !== undefined && new Date(body.expires_at).getTime() <= Date.now()) {
    // A retry that arrives after the deadline it once set still gets the request it created.
    const existing = key === null ? null : await findByKey(deps.db, auth.org.id, key);
    if (existing) return replay(existing, fingerprint!);
    throw new ApiError('VALIDATION_ERROR', 'expires_at must be in the future', {
      location: 'body',
      issues: [{ path: 'expires_at', code: 'custom', message: 'must be in the future' }],
    });
  }

  let row: CreateResult;
  try {
    row = await insert(deps.db, auth, body, key, fingerprint);
  } catch (err) {
    if (sqlState(err) === '23505' && constraintName(err) === 'approvals_external_id_key') {
      // A concurrent duplicate with the same key and external_id can trip this index before the key's.
      const existing = key === null ? null : await findByKey(deps.db, auth.org.id, key);
      if (existing) return replay(existing, fingerprint!);
      throw new ApiError('EXTERNAL_ID_CONFLICT', 'external_id is already used by another approval request in this organization', {
        external_id: body.external_id,
      });
    }
    // NUL in text or JSON: valid JSON, but not storable in Postgres.
    if (sqlState(err) === '22P05' || sqlState(err) === '22021') {
      throw new ApiError('VALIDATION_ERROR', 'text fields cannot contain NUL characters', { location: 'body' });
    }
    throw err;
  }
  if (!row.org_open) throw emergencyStop();
  if (row.approval !== null) {
    const approval = approvalFromJson(row.approval);
    // The statement has committed: announce its event (see Queryable.notify).
    deps.db.notify(EVENTS_CHANNEL, notificationOf({ orgId: auth.org.id, eventId: row.event_id!, approvalId: approval.id, type: 'approval.created' }));
    // The delivery worker ignores creates' announcements; it is woken only when this one queued a delivery.
    if (row.fanned_out) deps.db.notify(NOTIFY_DELIVERIES, `event:${row.event_id}`);
    return { status: 201, body: toApproval(approval) };
  }

  // The key is taken. ON CONFLICT waited for the row's transaction to commit, and this new statement
  // (READ COMMITTED) sees it; approvals are never deleted, so it is there.
  const existing = await findByKey(deps.db, auth.org.id, key!);
  if (!existing) throw new Error('idempotency conflict without a visible row');
  return replay(existing, fingerprint!);
};
