import { z } from 'zod';
import type { Config } from '../../config.ts';
import type { Database } from '../../storage/database.ts';
import { listConnections, toConnectionJson } from '../../modules/connections/connections.ts';
import { Json, OrgSlug } from '../args.ts';
import { ok, type CliResult } from '../result.ts';
import { inOrg } from '../in-org.ts';

export const ConnectionListArgs = z.object({ org: OrgSlug, json: Json });
export type ConnectionListArgs = z.output<typeof ConnectionListArgs>;

/** Lists an org's connections, newest first, revoked ones included. Keys are never shown, only their prefix. */
export async function connectionListCommand(db: Database, _config: Config, args: ConnectionListArgs): Promise<CliResult> {
  return inOrg(db, args.org, async (org) => {
    const connections = await listConnections(db, org.id);
    if (args.json) {
      return ok(
        JSON.stringify({
          org: org.slug,
          // The API's shape of a connection, without the person of an OAuth grant (the CLI lists keys).
          data: connections.map((c) => {
            const { user: _user, ...json } = toConnectionJson(c, null);
            return json;
          }),
        }),
      );
    }
    if (connections.length === 0) return ok(`No connections in org ${org.slug}. Create one with: greenlight-admin connection create --org ${org.slug} --name NAME`);
    const rows = [
      ['ID', 'NAME', 'KEY', 'SCOPES', 'RATE LIMIT', 'CREATED', 'STATUS'],
      ...connections.map((c) => [
        c.id,
        c.name,
        c.key_prefix ? `${c.key_prefix}…` : '-',
        c.scopes.join(','),
        `${c.rate_limit}/${c.rate_limit_window === 'minute' ? 'min' : 'hour'}`,
        c.created_at.toISOString(),
        c.revoked_at ? `revoked ${c.revoked_at.toISOString()}` : 'active',
      ]),
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    return ok(rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n'));
  });
}
