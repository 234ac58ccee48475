/**
 * An org's durable-engine credentials (engine_settings): set and removed by admins, each engine on its
 * own; the secrets sealed (security/sealed.ts) and never read back through the API. A request may name
 * an engine as its resume target only while its credentials are set (resumeFor).
 */
import type { EngineSettings, ResumeTarget, UpdateEngineSettingsBody } from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
import { recordAudit, type AuditActor } from '../../core/audit.ts';
import { secretKeys } from '../../security/sealed.ts';
import { fieldError } from '../../errors.ts';
import { configuredEngines, ENGINE_SETTINGS_SELECT, type EngineSettingsRow } from '../../channels/engines/engine-credentials.ts';

function view(row: EngineSettingsRow | undefined): EngineSettings {
  const on = configuredEngines(row);
  return {
    trigger_dev: { configured: on.has('trigger.dev'), secret_key: { configured: on.has('trigger.dev') } },
    step_functions: {
      configured: on.has('step-functions'),
      region: on.has('step-functions') ? row!.step_functions_region : null,
      access_key_id: on.has('step-functions') ? row!.step_functions_access_key_id : null,
      secret_access_key: { configured: on.has('step-functions') },
    },
    inngest: { configured: on.has('inngest'), event_key: { configured: on.has('inngest') } },
    updated_at: row ? row.updated_at.toISOString() : null,
  };
}

export async function readEngineSettings(db: Queryable, orgId: string): Promise<EngineSettings> {
  const { rows } = await db.query<EngineSettingsRow>(ENGINE_SETTINGS_SELECT, [orgId]);
  return view(rows[0]);
}

/** Sets (an object) or removes (null) each engine the body names, in one transaction with its audit entry. */
export async function updateEngines(db: Database, orgId: string, body: UpdateEngineSettingsBody, actor: AuditActor): Promise<EngineSettings> {
  const keys = secretKeys();
  const seal = (s: string | undefined | null) => (s ? keys.seal(s) : null);
  return db.transaction(async (tx) => {
    await tx.query('INSERT INTO engine_settings (org_id) VALUES ($1) ON CONFLICT (org_id) DO NOTHING', [orgId]);
    const { rows } = await tx.query<EngineSettingsRow>(`${ENGINE_SETTINGS_SELECT} FOR UPDATE`, [orgId]);
    const before = configuredEngines(rows[0]);
    const set: string[] = [];
    const params: unknown[] = [orgId];
    const assign = (column: string, value: unknown) => {
      params.push(value);
      set.push(`${column} = $${params.length}`);
    };
    if (body.trigger_dev !== undefined) assign('trigger_dev_secret_key', seal(body.trigger_dev?.secret_key));
    if (body.step_functions !== undefined) {
      assign('step_functions_region', body.step_functions?.region ?? null);
      assign('step_functions_access_key_id', body.step_functions?.access_key_id ?? null);
      assign('step_functions_secret_access_key', seal(body.step_functions?.secret_access_key));
    }
    if (body.inngest !== undefined) assign('inngest_event_key', seal(body.inngest?.event_key));
    if (set.length > 0) await tx.query(`UPDATE engine_settings SET ${set.join(', ')}, updated_at = now() WHERE org_id = $1`, params);
    const after = (await tx.query<EngineSettingsRow>(ENGINE_SETTINGS_SELECT, [orgId])).rows[0];
    const named = (['trigger_dev', 'step_functions', 'inngest'] as const).filter((k) => body[k] !== undefined);
    const removed = named.filter((k) => body[k] === null);
    const configured = named.filter((k) => body[k] !== null);
    if (configured.length > 0) {
      await recordAudit(tx, { orgId, actor, type: 'engines.configured', target: { type: 'org', id: orgId }, details: { engines: configured, replaced_secrets: configured, had: [...before] } });
    }
    if (removed.length > 0) await recordAudit(tx, { orgId, actor, type: 'engines.removed', target: { type: 'org', id: orgId }, details: { engines: removed } });
    return view(after);
  });
}

const ENGINE_WORDS = { 'trigger.dev': 'Trigger.dev', 'step-functions': 'AWS Step Functions', inngest: 'Inngest' } as const;

/**
 * A create's `resume`, as the create statement stores it (sealed), once the org is known to hold the
 * engine's credentials: naming an engine the org has not configured is a 400, never a request whose
 * outcome could not be delivered.
 */
export async function resumeFor(db: Queryable, orgId: string, target: ResumeTarget): Promise<{ engine: string; target: string }> {
  const { rows } = await db.query<EngineSettingsRow>(ENGINE_SETTINGS_SELECT, [orgId]);
  if (!configuredEngines(rows[0]).has(target.engine)) {
    const message = `${ENGINE_WORDS[target.engine]} is not configured for this organization: an admin sets its credentials first (PUT /api/v1/org/engines)`;
    throw fieldError('resume.engine', 'not_configured', message);
  }
  return { engine: target.engine, target: secretKeys().seal(JSON.stringify(target)) };
}
