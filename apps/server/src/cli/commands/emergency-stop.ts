import { z } from 'zod';
import type { Config } from '../../config.ts';
import type { Database } from '../../storage/database.ts';
import { setEmergencyStop } from '../../modules/orgs/create-org.ts';
import { OrgSlug, required } from '../args.ts';
import { ok, type CliResult } from '../result.ts';
import { inOrg } from '../in-org.ts';
import { CLI_ACTOR } from '../../core/audit.ts';

export const EmergencyStopArgs = z.object({
  state: required().pipe(z.enum(['on', 'off'], { error: 'must be "on" or "off"' })),
  org: OrgSlug,
});
export type EmergencyStopArgs = z.output<typeof EmergencyStopArgs>;

/** Turns the org's emergency stop on or off; while on, every mutating approval endpoint answers 503. */
export async function emergencyStopCommand(db: Database, _config: Config, args: EmergencyStopArgs): Promise<CliResult> {
  return inOrg(db, args.org, async (org) => {
    await setEmergencyStop(db, org.id, args.state === 'on', CLI_ACTOR);
    return ok(
      args.state === 'on'
        ? `Emergency stop is ON for org ${org.slug}: every change to approval requests is refused (503 EMERGENCY_STOP) until it is turned off.`
        : `Emergency stop is OFF for org ${org.slug}: approval requests can be changed again.`,
    );
  });
}
