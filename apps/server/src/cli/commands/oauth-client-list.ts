import { z } from 'zod';
import type { Database } from '../../storage/database.ts';
import { listOAuthClients, listUnauthorizedClients, toClientJson } from '../../modules/oauth/clients.ts';
import { OAUTH_SETTINGS } from '../../modules/oauth/settings.ts';
import { Json, OrgSlug } from '../args.ts';
import { ok, type CliResult } from '../result.ts';
import { inOrg } from '../in-org.ts';

/** `greenlight-admin oauth-client list --org SLUG | --unauthorized [--json]` */
export const OAuthClientListArgs = z
  .object({ org: OrgSlug.optional(), unauthorized: z.boolean().default(false), json: Json })
  .refine((a) => (a.org === undefined) !== !a.unauthorized, { path: ['org'], message: 'give --org SLUG (an org\'s clients) or --unauthorized (the self-registered ones nobody authorized yet), not both' });
export type OAuthClientListArgs = z.output<typeof OAuthClientListArgs>;

const table = (rows: string[][]) => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
};

/**
 * An org's OAuth clients, as its admins see them in the API (theirs, and the self-registered ones a
 * member authorized); or, with `--unauthorized`, the clients that registered themselves and that
 * nobody has authorized yet. Those belong to no org, so no org admin sees them: whoever runs the
 * server does, here, with when each expires (OAUTH_SETTINGS.unauthorizedClientTtl).
 */
export async function oauthClientListCommand(db: Database, args: OAuthClientListArgs): Promise<CliResult> {
  if (args.unauthorized) {
    const clients = await listUnauthorizedClients(db);
    if (args.json) return ok(JSON.stringify({ data: clients.map((c) => ({ ...toClientJson(c), expires_at: c.purge_at.toISOString() })) }));
    const hours = OAUTH_SETTINGS.unauthorizedClientTtl / 3600;
    if (clients.length === 0) return ok(`No self-registered client is waiting to be authorized (those nobody authorizes within ${hours} hours are deleted).`);
    return ok(
      `Self-registered clients nobody has authorized yet (each is deleted ${hours} hours after it registered, unless a member authorizes it):\n` +
        table([['CLIENT ID', 'NAME', 'REDIRECT URIS', 'REGISTERED', 'EXPIRES'], ...clients.map((c) => [c.client_id, c.name, c.redirect_uris.join(' '), c.created_at.toISOString(), c.purge_at.toISOString()])]),
    );
  }
  return inOrg(db, args.org!, async (org) => {
    const clients = await listOAuthClients(db, org.id);
    if (args.json) return ok(JSON.stringify({ org: org.slug, data: clients.map(toClientJson) }));
    if (clients.length === 0) return ok(`No OAuth clients in org ${org.slug}.`);
    return ok(
      table([
        ['ID', 'CLIENT ID', 'NAME', 'REGISTRATION', 'CREATED', 'STATUS'],
        ...clients.map((c) => [c.id, c.client_id, c.name, c.registration, c.created_at.toISOString(), c.revoked_at ? `revoked ${c.revoked_at.toISOString()}` : 'active']),
      ]),
    );
  });
}
