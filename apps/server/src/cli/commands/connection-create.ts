import { z } from 'zod';
import type { Config } from '../../config.ts';
import type { Database } from '../../storage/database.ts';
import { createConnection } from '../../modules/connections/connections.ts';
import { API_KEY_LIMITS } from '@greenlight/contract';
import { ExpiresAt, ExpiresIn, expiryOf, Json, OrgSlug, RateLimit, required, Scopes } from '../args.ts';
import { failed, ok, type CliResult } from '../result.ts';
import { inOrg } from '../in-org.ts';
import { CLI_ACTOR } from '../../core/audit.ts';

export const ConnectionCreateArgs = z.object({
  org: OrgSlug,
  name: required().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  scopes: Scopes,
  'rate-limit': RateLimit,
  'expires-at': ExpiresAt,
  'expires-in': ExpiresIn,
  json: Json,
});
export type ConnectionCreateArgs = z.output<typeof ConnectionCreateArgs>;

/** Creates an API-key connection and prints its key, the only time it is ever shown. */
export async function connectionCreateCommand(db: Database, _config: Config, args: ConnectionCreateArgs): Promise<CliResult> {
  return inOrg(db, args.org, async (org) => {
    const expiry = expiryOf(args, API_KEY_LIMITS);
    if ('error' in expiry) return failed(expiry.error);
    const { connection, apiKey } = await createConnection(db, {
      orgId: org.id,
      name: args.name,
      scopes: args.scopes,
      rateLimit: args['rate-limit'].limit,
      rateLimitWindow: args['rate-limit'].window,
      expiresAt: expiry.expiresAt,
    }, CLI_ACTOR);
    if (args.json) {
      return ok(
        JSON.stringify({
          api_key: apiKey,
          id: connection.id,
          name: connection.name,
          scopes: connection.scopes,
          rate_limit: connection.rate_limit,
          rate_limit_window: connection.rate_limit_window,
          org: org.slug,
          created_at: connection.created_at.toISOString(),
          expires_at: expiry.expiresAt?.toISOString() ?? null,
        }),
      );
    }
    return ok(
      [
        `Created connection "${connection.name}" in org ${org.slug}.`,
        `  id:         ${connection.id}`,
        `  scopes:     ${connection.scopes.join(', ')}`,
        `  rate limit: ${connection.rate_limit} requests/${connection.rate_limit_window}`,
        `  expires:    ${expiry.expiresAt ? expiry.expiresAt.toISOString() : 'never'}`,
        '',
        'API key (shown once; only its SHA-256 is stored, so copy it now):',
        `  ${apiKey}`,
      ].join('\n'),
    );
  });
}
