import { checkAnswer, type Approval, type ApprovalDetail, type CreatedVia, type OnExpiry, type ResponseSchema, type Routes, type z } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { ApiError, emergencyStop } from '../../errors.ts';
import { constraintName, sqlState, type Queryable } from '../../storage/database.ts';
import { create, namesItsApprovers, viewerCanOfRow, withCan, type Asker, type CanColumns, type CreateOutcome, type NewRequest } from '../../core/approvals/index.ts';
import { APPROVAL_COLUMNS, toApproval, type ApprovalRow } from '../../core/approval-record.ts';
import { idempotencyKeyOf, requestFingerprint } from './idempotency.ts';
import { assertDeliverableUrl } from '../webhooks/assert-target.ts';
import { secretKeys } from '../../security/sealed.ts';
import { claimedFromJson } from '../../delivery/outbox/outbox.ts';
import type { ReadAhead } from '../../delivery/outbox/channel.ts';
import { forViewer, type Viewer } from '../../core/approval-view.ts';
import { currentVersion } from '../flows/flows.ts';
import { routeRequest } from '../routing/route-request.ts';
import { decideByPolicies, recordShadow } from '../policies/decide-request.ts';
import { grantCandidates, grantDecider } from '../../core/deciders/grant.ts';
import { detailFor, runOf, type RunStepRow } from '../../core/run.ts';
import { resumeFor } from '../engines/engine-settings.ts';

type Detail = z.infer<typeof ApprovalDetail>;
type Replayed = { status: 200; body: Detail };

/** What the create statement read for the viewer of its answer: what they may do with the request, and its run's steps (none without steps). */
interface ReadByCreate {
  can: CanColumns;
  runSteps: RunStepRow[] | null;
}

/**
 * A request as `GET /approvals/:id` shows it (its run and every reviewer's result), for the viewer.
 * `read`: what the create statement read for the viewer of a request it has just written and nobody
 * has decided (no vote can exist yet): the answer is made from it, without a statement of its own.
 */
async function detailOf(db: Queryable, viewer: Viewer & Asker, a: ApprovalRow, read: ReadByCreate | null = null): Promise<Detail> {
  if (read) return withCan({ ...forViewer(viewer, toApproval(a)), ...runOf({ ...a, run_votes: [], run_steps: read.runSteps ?? [] }) }, viewerCanOfRow(viewer, read.can));
  const detail = await detailFor(db, a.org_id, a.id, viewer);
  if (!detail) throw new Error(`approval ${a.id} not found right after it was written`);
  return detail;
}

async function findByKey(db: Queryable, orgId: string, key: string) {
  const { rows } = await db.query<ApprovalRow & { request_fingerprint: string | null }>(
    `SELECT ${APPROVAL_COLUMNS}, a.request_fingerprint FROM approvals a WHERE a.org_id = $1 AND a.idempotency_key = $2`,
    [orgId, key],
  );
  return rows[0] ?? null;
}

/** The answer for a key already used in this org: the request as it is now, or a refusal if the bodies differ. */
async function replay(db: Queryable, viewer: Viewer & Asker, existing: ApprovalRow & { request_fingerprint: string | null }, fingerprint: string): Promise<Replayed> {
  if (existing.request_fingerprint !== fingerprint) {
    throw new ApiError('IDEMPOTENCY_KEY_REUSED', 'idempotency_key was already used with a different request body', {
      approval_id: existing.id,
    });
  }
  return { status: 200, body: await detailOf(db, viewer, existing) };
}

/** `entity_type`, `entity_id` and `entity_name` are `resource` spelled flat (the contract checks they come together). */
function entityResource(body: Routes['createApproval']['request']['body']['_output']): Approval['resource'] {
  if (body.entity_type === undefined || body.entity_id === undefined) return null;
  return { type: body.entity_type, id: body.entity_id, ...(body.entity_name === undefined ? {} : { name: body.entity_name }) };
}

/**
 * An expiry never invents input: a request that approves itself when it expires (its own `on_expiry`,
 * or its flow's or routing rule's) must be answered by its schema's defaults, which become its
 * `response` then (core/approvals/state-machine.ts, expireDue). Refused at create, when the requester
 * can still fix it, rather than found out at the deadline.
 */
function expiryAnswers(schema: ResponseSchema, onExpiry: OnExpiry, own: boolean): void {
  if (onExpiry !== 'approve') return;
  const check = checkAnswer(schema, {});
  if (check.ok) return;
  const whose = own ? 'on_expiry "approve"' : 'on_expiry "approve" (of the flow or routing rule this request follows)';
  const issues = check.problems.map((p) => ({ path: `response_schema.properties.${p.field}`, code: 'custom', message: `${p.field} ${p.reason} and has no valid default` }));
  throw new ApiError('VALIDATION_ERROR', `${whose} needs defaults that answer response_schema: ${issues[0]!.message}`, {
    location: 'body',
    issues: [{ path: 'on_expiry', code: 'custom', message: 'approving on expiry needs defaults that answer response_schema' }, ...issues],
  });
}

/**
 * `POST /approvals`: the create transition (core/approvals/state-machine.ts), with what only HTTP has: the SSRF
 * check of `callback_url`, the idempotency key (body or header) and the replay of a key already used.
 * `via`: the API the request is created through (a peer API's dialect creates through this too).
 */
export const createApprovalVia = (via: CreatedVia): Handler<Routes['createApproval']> => async ({ body, headers, auth, deps }) => {
  // SSRF guard at creation (delivery checks the target again at every attempt).
  if (body.callback_url !== undefined) await assertDeliverableUrl(body.callback_url, 'callback_url', deps.config);
  // A resume target names an engine the org holds credentials for (else 400); stored sealed with the request.
  const resume = body.resume === undefined ? undefined : await resumeFor(deps.db, auth.org.id, body.resume);
  const key = idempotencyKeyOf(body, headers);
  const fingerprint = key === null ? null : requestFingerprint(body);

  if (body.expires_at !== undefined && new Date(body.expires_at).getTime() <= Date.now()) {
    // A retry that arrives after the deadline it once set still gets the request it created.
    const existing = key === null ? null : await findByKey(deps.db, auth.org.id, key);
    if (existing) return replay(deps.db, auth, existing, fingerprint!);
    throw new ApiError('VALIDATION_ERROR', 'expires_at must be in the future', {
      location: 'body',
      issues: [{ path: 'expires_at', code: 'custom', message: 'must be in the future' }],
    });
  }

  // A run of a flow: its current version's steps (copied by the create statement), in order, and its expiry rule.
  const flow = body.flow_id === undefined ? null : await currentVersion(deps, auth.org.id, body.flow_id);
  if (body.flow_id !== undefined && !flow) {
    throw new ApiError('VALIDATION_ERROR', `flow_id: ${body.flow_id} is not a flow of this organization`, {
      location: 'body',
      issues: [{ path: 'flow_id', code: 'custom', message: 'not a flow of this organization' }],
    });
  }
  const actionType = body.action_type ?? body.action ?? null;
  const tags = body.tags ?? {};
  // A request that names no flow is routed by the org's rules (modules/routing): the first match
  // starts a run as a flow would. `required_approvals` and `is_sequential` do not opt out: they say
  // how many, not who, and automations send them by default.
  const routed =
    body.flow_id === undefined
      ? await routeRequest(deps, auth.org.id, {
          action_type: actionType,
          priority: body.priority,
          source: body.source ?? null,
          tags,
          connection_id: auth.connection?.id ?? null,
        })
      : null;
  const run = flow ?? routed?.flow ?? null;
  const steps = routed?.steps ?? null;
  const onExpiry = routed?.onExpiry ?? run?.definition.on_expiry ?? body.on_expiry;
  if (body.response_schema !== undefined) expiryAnswers(body.response_schema, onExpiry, body.on_expiry === onExpiry);
  const expiresIn = routed?.expiresInSeconds ?? run?.definition.expires_in_seconds ?? null;
  const runExpiry = expiresIn ? new Date(Date.now() + expiresIn * 1000).toISOString() : null;

  // The org's policies may decide it before anyone is asked (modules/policies): then the create's own
  // transaction makes that decision, as a person's would be made.
  const metadata = body.metadata ?? body.payload ?? {};
  // With steps the counters count steps.
  const requiredApprovals = run ? run.definition.steps.length : steps ? steps.length : body.required_approvals;
  const resource = body.resource ?? entityResource(body);
  const { decision, shadow, needsPerson } = await decideByPolicies(deps, auth, {
    title: body.title,
    action_type: actionType,
    source: body.source ?? null,
    priority: body.priority,
    metadata,
    tags,
    resource,
    changes: body.changes ?? null,
    has_callback: body.callback_url !== undefined,
    required_approvals: requiredApprovals,
    response_schema: body.response_schema ?? null,
  });

  // Else a standing grant to the connection asking may approve it (core/deciders/grant.ts): the grants
  // that match are read first, and the create's transaction takes a use of the first still live.
  const grants =
    !decision && auth.connection
      ? await grantCandidates(deps.db, auth.org.id, auth.connection.id, { title: body.title, action_type: actionType, source: body.source ?? null, priority: body.priority, tags, metadata, resource }, needsPerson)
      : [];
  const byGrant = grants.length > 0 ? grantDecider(grants) : null;

  const fields: NewRequest = {
    connection_id: auth.connection?.id ?? null,
    title: body.title,
    description: body.description,
    priority: body.priority,
    action_type: actionType,
    source: body.source ?? null,
    metadata,
    // With steps the counters count steps.
    required_approvals: requiredApprovals,
    is_sequential: run || steps ? true : body.is_sequential,
    callback_url: body.callback_url ?? null,
    // Sealed at rest: they carry the automation's own credentials.
    callback_headers: body.callback_headers ? secretKeys().seal(JSON.stringify(body.callback_headers)) : null,
    external_id: body.external_id ?? null,
    idempotency_key: key,
    request_fingerprint: fingerprint,
    tags,
    changes: body.changes ?? null,
    resource,
    expires_at: body.expires_at ?? runExpiry,
    on_expiry: onExpiry,
    flow_id: flow ? body.flow_id! : (routed?.flow?.id ?? null),
    flow_version: run?.version ?? null,
    ...(steps && { steps }),
    routing: routed && { rule_id: routed.rule.id, rule_name: routed.rule.name, version: routed.rule.version, slack_channel: routed.slackChannel, reminders: routed.reminders },
    redact: body.redact ?? [],
    response_schema: body.response_schema ?? null,
    editable: body.editable ?? [],
    revocable_for_seconds: body.revocable_for_seconds ?? null,
    created_via: via,
    ...(resume && { resume }),
    notify: deps.config.mail !== null,
    ...(body.callback_url && deps.config.GREENLIGHT_WAITER_PROBES && { probe_after_ms: deps.config.GREENLIGHT_WAITER_PROBE_AFTER_MS }),
  };

  // With a delivery worker here, the create claims its notification for this process, which works
  // out whom to tell right after the commit instead of waiting for the worker to wake and claim it.
  const worker = deps.delivery;
  const slot = worker?.reserveSlot() ?? null;
  // Decided at its create (a policy, a grant), or left to people by a grant: the answer is read in the
  // create's transaction, sent before its COMMIT, as GET shows it (ReadInCreate).
  let readInCreate: Promise<Detail | undefined> | null = null;
  const readDecided = (tx: Queryable, id: string) => (readInCreate = detailFor(tx, auth.org.id, id, auth));
  // A request that names its approvers is told at once: what its notification's attempt reads is sent
  // behind the create's statement, and run as it commits (ReadBehind).
  let ahead: ReadAhead | undefined;
  const readBehind = slot && namesItsApprovers(fields) ? worker!.readBehindCreate(auth.org.id, (a) => (ahead = a)) : undefined;
  let created: CreateOutcome;
  try {
    created = await create(deps.db, auth, fields, decision ?? byGrant ?? undefined, { claimNotifyMs: slot ? worker!.runtime.leaseMs : undefined, answerFor: auth, readDecided, readBehind });
  } catch (err) {
    if (sqlState(err) === '23505' && constraintName(err) === 'approvals_external_id_key') {
      // A concurrent duplicate with the same key and external_id can trip this index before the key's.
      const existing = key === null ? null : await findByKey(deps.db, auth.org.id, key);
      if (existing) return replay(deps.db, auth, existing, fingerprint!);
      throw new ApiError('EXTERNAL_ID_CONFLICT', 'external_id is already used by another approval request in this organization', {
        external_id: body.external_id,
      });
    }
    // NUL in text or JSON: valid JSON, but not storable in Postgres.
    if (sqlState(err) === '22P05' || sqlState(err) === '22021') {
      throw new ApiError('VALIDATION_ERROR', 'text fields cannot contain NUL characters', { location: 'body' });
    }
    throw err;
  } finally {
    slot?.();
  }
  if (created.kind === 'stopped') throw emergencyStop();
  if (created.kind === 'created' && created.notify) worker!.runtime.follow!.attempt({ ...claimedFromJson(created.notify), ...(ahead && { readAhead: ahead }) });
  if (created.kind === 'created') {
    deps.metrics?.approvalCreated();
    const decided = created.decided ?? null;
    if (decided) deps.metrics?.approvalDecided(decided.decision === 'approve' ? 'approved' : 'rejected', 'grant' in decided ? 'grant' : 'policy');
    await recordShadow(deps, auth.org.id, created.approval.id, shadow);
    if (readInCreate) {
      const detail = await readInCreate;
      if (!detail) throw new Error(`approval ${created.approval.id} not found by its own create`);
      return { status: 201, body: detail };
    }
    // Undecided and without a decider, the answer is what the create statement read.
    const read = created.can ? { can: created.can, runSteps: created.runSteps ?? null } : null;
    return { status: 201, body: await detailOf(deps.db, auth, created.approval, read) };
  }

  // The key is taken. ON CONFLICT waited for the row's transaction to commit, and this new statement
  // (READ COMMITTED) sees it; approvals are never deleted, so it is there.
  const existing = await findByKey(deps.db, auth.org.id, key!);
  if (!existing) throw new Error('idempotency conflict without a visible row');
  return replay(deps.db, auth, existing, fingerprint!);
};

export const createApproval = createApprovalVia('v1');
