import { FLOW_LIMITS, type CreateFlowBody, type Flow, type UpdateFlowBody } from '@greenlight/contract';
import { constraintName, sqlState, type Database, type Queryable } from '../../storage/database.ts';
import { ApiError, notFound } from '../../errors.ts';
import { recordAudit, type AuditActor } from '../../core/audit.ts';
import { approverIssues, escalationTarget } from '../../core/approvers.ts';
import { rulesNaming } from '../routing/routing-rules.ts';
import { FLOWS_CHANNEL, type FlowDefinition, type FlowVersion } from '../../core/flow-cache.ts';
import type { AppDeps } from '../../context.ts';

export type { FlowDefinition } from '../../core/flow-cache.ts';

interface FlowRow {
  id: string;
  name: string;
  version: number;
  created_at: Date;
  updated_at: Date;
  definition: FlowDefinition;
}

const FLOW_SELECT = `SELECT f.id, f.name, f.version, f.created_at, f.updated_at, v.definition
  FROM flows f JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.version`;

function toFlow(r: FlowRow): Flow {
  const d = r.definition;
  return {
    id: r.id,
    name: r.name,
    description: d.description,
    version: r.version,
    steps: d.steps.map((s) => ({
      name: s.name,
      approvers: { user_ids: s.user_ids, team_ids: s.team_ids },
      quorum: s.quorum ?? 'all',
      time_limit_seconds: s.time_limit_seconds,
      reminders: s.reminders ?? null,
    })),
    expires_in_seconds: d.expires_in_seconds,
    on_expiry: d.on_expiry,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

function definitionOf(body: CreateFlowBody): FlowDefinition {
  return {
    description: body.description ?? null,
    expires_in_seconds: body.expires_in_seconds ?? null,
    on_expiry: body.on_expiry,
    steps: body.steps.map((s) => ({
      name: s.name ?? null,
      user_ids: [...new Set(s.approvers.user_ids)],
      team_ids: [...new Set(s.approvers.team_ids)],
      quorum: s.quorum === 'all' ? null : s.quorum,
      time_limit_seconds: s.time_limit_seconds ?? null,
      reminders: s.reminders ?? null,
    })),
  };
}

/** The approvers of every step are people (not viewers) and teams of the org, and each quorum can be met today. */
async function assertApprovers(tx: Queryable, orgId: string, d: FlowDefinition): Promise<void> {
  const issues = await approverIssues(
    tx,
    orgId,
    d.steps.flatMap((s, i) => [
      { path: `steps.${i}`, user_ids: s.user_ids, team_ids: s.team_ids, quorum: s.quorum ?? 'all' } as const,
      ...escalationTarget(`steps.${i}.reminders`, s.reminders),
    ]),
  );
  if (issues.length > 0) throw new ApiError('VALIDATION_ERROR', `${issues[0]!.path}: ${issues[0]!.message}`, { location: 'body', issues });
}

async function uniqueName<T>(name: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (sqlState(err) === '23505' && constraintName(err) === 'flows_org_name_key') {
      throw new ApiError('NAME_TAKEN', `a flow named "${name}" already exists`, { name });
    }
    throw err;
  }
}

export async function listFlows(db: Queryable, orgId: string): Promise<Flow[]> {
  const { rows } = await db.query<FlowRow>(`${FLOW_SELECT} WHERE f.org_id = $1 AND f.deleted_at IS NULL ORDER BY lower(f.name), f.id`, [orgId]);
  return rows.map(toFlow);
}

export async function getFlow(db: Queryable, orgId: string, flowId: string): Promise<Flow | null> {
  const { rows } = await db.query<FlowRow>(`${FLOW_SELECT} WHERE f.org_id = $1 AND f.id = $2 AND f.deleted_at IS NULL`, [orgId, flowId]);
  return rows[0] ? toFlow(rows[0]) : null;
}

/** The flow's current version, read (FlowCache keeps what this reads); null when the org has no such flow. */
export async function readCurrentVersion(db: Queryable, orgId: string, flowId: string): Promise<FlowVersion | null> {
  const { rows } = await db.query<FlowRow>(`${FLOW_SELECT} WHERE f.org_id = $1 AND f.id = $2 AND f.deleted_at IS NULL`, [orgId, flowId]);
  return rows[0] ? { version: rows[0].version, definition: rows[0].definition } : null;
}

/** The version a new run of the flow starts with, and what it sets on the request; null when the org has no such flow. */
export function currentVersion(deps: Pick<AppDeps, 'db' | 'flows'>, orgId: string, flowId: string): Promise<FlowVersion | null> {
  return deps.flows ? deps.flows.versionOf(deps.db, orgId, flowId) : readCurrentVersion(deps.db, orgId, flowId);
}

export async function createFlow(db: Database, orgId: string, body: CreateFlowBody, actor: AuditActor): Promise<Flow> {
  const definition = definitionOf(body);
  return uniqueName(body.name, () =>
    db.transaction(async (tx) => {
      await tx.query('SELECT 1 FROM orgs WHERE id = $1 FOR UPDATE', [orgId]);
      const { rows: counted } = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM flows WHERE org_id = $1 AND deleted_at IS NULL', [orgId]);
      if (counted[0]!.n >= FLOW_LIMITS.flowsMax) {
        throw new ApiError('LIMIT_REACHED', `an organization has at most ${FLOW_LIMITS.flowsMax} flows`, { limit: FLOW_LIMITS.flowsMax });
      }
      await assertApprovers(tx, orgId, definition);
      const { rows } = await tx.query<{ id: string }>('INSERT INTO flows (org_id, name) VALUES ($1, $2) RETURNING id', [orgId, body.name]);
      const id = rows[0]!.id;
      await tx.query('INSERT INTO flow_versions (flow_id, version, definition) VALUES ($1, 1, $2)', [id, JSON.stringify(definition)]);
      await recordAudit(tx, { orgId, actor, type: 'flow.created', target: { type: 'flow', id }, details: { name: body.name, version: 1, definition } });
      return (await getFlow(tx, orgId, id))!;
    }),
  );
}

/** A change is a new version (the flow row is locked, so two changes never take one number); runs keep theirs. */
export async function updateFlow(deps: Pick<AppDeps, 'db' | 'flows'>, orgId: string, flowId: string, body: UpdateFlowBody, actor: AuditActor): Promise<Flow> {
  const flow = await uniqueName(body.name, () =>
    deps.db.transaction(async (tx) => {
      const { rows } = await tx.query<FlowRow>(`${FLOW_SELECT} WHERE f.org_id = $1 AND f.id = $2 AND f.deleted_at IS NULL FOR UPDATE OF f`, [orgId, flowId]);
      const current = rows[0];
      if (!current) throw notFound('flow');
      const d = current.definition;
      const next: FlowDefinition = {
        description: body.description === undefined ? d.description : body.description,
        expires_in_seconds: body.expires_in_seconds === undefined ? d.expires_in_seconds : body.expires_in_seconds,
        on_expiry: body.on_expiry ?? d.on_expiry,
        steps: body.steps ? definitionOf({ name: current.name, steps: body.steps, on_expiry: 'expire' }).steps : d.steps,
      };
      if (body.steps) await assertApprovers(tx, orgId, next);
      const version = current.version + 1;
      await tx.query('INSERT INTO flow_versions (flow_id, version, definition) VALUES ($1, $2, $3)', [flowId, version, JSON.stringify(next)]);
      await tx.query('UPDATE flows SET version = $2, name = $3, updated_at = now() WHERE id = $1', [flowId, version, body.name ?? current.name]);
      await recordAudit(tx, {
        orgId,
        actor,
        type: 'flow.updated',
        target: { type: 'flow', id: flowId },
        details: { name: body.name ?? current.name, from_version: current.version, version, changed: Object.keys(body) },
      });
      tx.notify(FLOWS_CHANNEL, orgId);
      return (await getFlow(tx, orgId, flowId))!;
    }),
  );
  // This process at once; the others when the NOTIFY arrives.
  deps.flows?.forget(orgId);
  return flow;
}

export async function deleteFlow(deps: Pick<AppDeps, 'db' | 'flows'>, orgId: string, flowId: string, actor: AuditActor): Promise<Flow> {
  const deleted = await deps.db.transaction(async (tx) => {
    // The org row, as a routing rule set is saved under it: a rule naming the flow is seen or sees the deletion.
    await tx.query('SELECT 1 FROM orgs WHERE id = $1 FOR UPDATE', [orgId]);
    const flow = await getFlow(tx, orgId, flowId);
    if (!flow) throw notFound('flow');
    const rules = await rulesNaming(tx, orgId, { flowId });
    if (rules.length > 0) {
      throw new ApiError('IN_USE', 'routing rules start runs of this flow: change them first', { routing_rule_ids: rules });
    }
    const { rowCount } = await tx.query('UPDATE flows SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL', [flowId]);
    if (rowCount === 0) throw notFound('flow');
    await recordAudit(tx, { orgId, actor, type: 'flow.deleted', target: { type: 'flow', id: flowId }, details: { name: flow.name, version: flow.version } });
    tx.notify(FLOWS_CHANNEL, orgId);
    return flow;
  });
  deps.flows?.forget(orgId);
  return deleted;
}

/** Flows whose current version names the team. */
export async function flowsNamingTeam(tx: Queryable, orgId: string, teamId: string): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(
    `SELECT f.id FROM flows f JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.version
      WHERE f.org_id = $1 AND f.deleted_at IS NULL
        AND EXISTS (SELECT 1 FROM jsonb_array_elements(v.definition -> 'steps') AS st (step) WHERE st.step -> 'team_ids' ? $2)
      ORDER BY f.id`,
    [orgId, teamId],
  );
  return rows.map((r) => r.id);
}
