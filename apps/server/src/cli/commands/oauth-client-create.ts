import { z } from 'zod';
import type { Database } from '../../storage/database.ts';
import { createOAuthClient, RedirectUri } from '../../modules/oauth/clients.ts';
import { API_KEY_LIMITS } from '@greenlight/contract';
import { ExpiresAt, ExpiresIn, expiryOf, Json, OrgSlug, RateLimit, required, Scopes } from '../args.ts';
import { failed, ok, type CliResult } from '../result.ts';
import { inOrg } from '../in-org.ts';
import { CLI_ACTOR } from '../../core/audit.ts';

/** `greenlight-admin oauth-client create --org … --name … --redirect-uri … [--redirect-uri …] [--scopes …] [--rate-limit …] [--expires-at … | --expires-in …] [--json]` */
export const OAuthClientCreateArgs = z.object({
  org: OrgSlug,
  name: required().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  'redirect-uri': z
    .union([z.string(), z.array(z.string())], { error: 'is required' })
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .pipe(z.array(RedirectUri).min(1).max(20)),
  scopes: Scopes,
  'rate-limit': RateLimit,
  'expires-at': ExpiresAt,
  'expires-in': ExpiresIn,
  json: Json,
});
export type OAuthClientCreateArgs = z.output<typeof OAuthClientCreateArgs>;

/** Registers an OAuth client and prints its secret, the only time it is ever shown. */
export async function oauthClientCreateCommand(db: Database, args: OAuthClientCreateArgs): Promise<CliResult> {
  return inOrg(db, args.org, async (org) => {
    const expiry = expiryOf(args, API_KEY_LIMITS);
    if ('error' in expiry) return failed(expiry.error);
    const { client, clientSecret } = await createOAuthClient(db, org.id, {
      name: args.name,
      redirect_uris: args['redirect-uri'],
      scopes: args.scopes,
      rate_limit: args['rate-limit'].limit,
      rate_limit_window: args['rate-limit'].window,
      expires_at: expiry.expiresAt,
    }, CLI_ACTOR);
    if (args.json) {
      return ok(
        JSON.stringify({
          id: client.id,
          client_id: client.client_id,
          client_secret: clientSecret,
          name: client.name,
          redirect_uris: client.redirect_uris,
          scopes: client.scopes,
          rate_limit: client.rate_limit,
          rate_limit_window: client.rate_limit_window,
          org: org.slug,
          created_at: client.created_at.toISOString(),
          expires_at: client.expires_at?.toISOString() ?? null,
        }),
      );
    }
    return ok(
      [
        `Registered OAuth client "${client.name}" in org ${org.slug}.`,
        `  client_id:     ${client.client_id}`,
        `  redirect URIs: ${client.redirect_uris.join(', ')}`,
        `  scopes:        ${client.scopes.join(', ')}`,
        `  expires:       ${client.expires_at ? client.expires_at.toISOString() : 'never'}`,
        '',
        'Client secret (shown once; only its SHA-256 is stored, so copy it now):',
        `  ${clientSecret}`,
      ].join('\n'),
    );
  });
}
