/**
 * An org's credentials for each durable engine (engine_settings), opened from their sealed form
 * (security/sealed.ts). Written only by modules/engines/engine-settings.ts.
 */
import type { Engine } from '@greenlight/contract';
import type { Queryable } from '../../storage/database.ts';
import { secretKeys } from '../../security/sealed.ts';
import type { AwsCredentials } from './engine-calls.ts';

export interface EngineCredentials {
  triggerDev: { secretKey: string } | null;
  stepFunctions: AwsCredentials | null;
  inngest: { eventKey: string } | null;
}

export interface EngineSettingsRow {
  trigger_dev_secret_key: string | null;
  step_functions_region: string | null;
  step_functions_access_key_id: string | null;
  step_functions_secret_access_key: string | null;
  inngest_event_key: string | null;
  updated_at: Date;
}

export const ENGINE_SETTINGS_SELECT =
  'SELECT trigger_dev_secret_key, step_functions_region, step_functions_access_key_id, step_functions_secret_access_key, inngest_event_key, updated_at FROM engine_settings WHERE org_id = $1';

/** Which engines a settings row configures (a request may name only those). */
export function configuredEngines(row: EngineSettingsRow | undefined): Set<Engine> {
  const on = new Set<Engine>();
  if (row?.trigger_dev_secret_key) on.add('trigger.dev');
  if (row?.step_functions_secret_access_key && row.step_functions_access_key_id && row.step_functions_region) on.add('step-functions');
  if (row?.inngest_event_key) on.add('inngest');
  return on;
}

export async function engineCredentialsOf(db: Queryable, orgId: string): Promise<EngineCredentials> {
  const { rows } = await db.query<EngineSettingsRow>(ENGINE_SETTINGS_SELECT, [orgId]);
  const r = rows[0];
  const keys = secretKeys();
  const on = configuredEngines(r);
  return {
    triggerDev: r && on.has('trigger.dev') ? { secretKey: keys.open(r.trigger_dev_secret_key!) } : null,
    stepFunctions:
      r && on.has('step-functions')
        ? { region: r.step_functions_region!, accessKeyId: r.step_functions_access_key_id!, secretAccessKey: keys.open(r.step_functions_secret_access_key!) }
        : null,
    inngest: r && on.has('inngest') ? { eventKey: keys.open(r.inngest_event_key!) } : null,
  };
}
