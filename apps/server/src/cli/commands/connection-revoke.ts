import { z } from 'zod';
import type { Config } from '../../config.ts';
import type { Database } from '../../storage/database.ts';
import { revokeConnection } from '../../modules/connections/connections.ts';
import { OrgSlug, required } from '../args.ts';
import { failed, ok, type CliResult } from '../result.ts';
import { inOrg } from '../in-org.ts';
import { CLI_ACTOR } from '../../core/audit.ts';

export const ConnectionRevokeArgs = z.object({
  org: OrgSlug,
  id: required().pipe(z.uuid('must be a connection id (a UUID, see "connection list")')),
});
export type ConnectionRevokeArgs = z.output<typeof ConnectionRevokeArgs>;

/** Revokes a connection; authentication reads the row on every request, so its key fails on the next one. */
export async function connectionRevokeCommand(db: Database, _config: Config, args: ConnectionRevokeArgs): Promise<CliResult> {
  return inOrg(db, args.org, async (org) => {
    const connection = await revokeConnection(db, org.id, args.id, { actor: CLI_ACTOR });
    if (!connection) return failed(`connection not found in org ${org.slug}: ${args.id}`);
    return ok(
      `Revoked connection "${connection.name}" (${connection.id}) at ${connection.revoked_at!.toISOString()}; its key no longer works.`,
    );
  });
}
